package agent

import (
	"testing"
	"time"

	"github.com/google/gopacket"
)

// FuzzCounter: frames from the air are untrusted; no frame may panic the
// counter, and it counts every frame it is given.
func FuzzCounter(f *testing.F) {
	eth := func(typ uint16, payload ...byte) []byte {
		b := []byte{2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, byte(typ >> 8), byte(typ)}
		return append(b, payload...)
	}
	f.Add(eth(0x0806, 0, 1, 8, 0, 6, 4, 0, 1))
	f.Add(eth(0x0806, 0, 1, 8, 0, 200, 200, 0, 1))               // ARP sizes that overflow gopacket's arithmetic
	f.Add(eth(0x0800, 0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17, 0, 0)) // truncated UDP
	f.Add(eth(0x8100, 0, 1, 8, 0))
	dhcp := make([]byte, 300)
	dhcp[0], dhcp[1], dhcp[2] = 1, 1, 255 // hlen beyond the packet
	f.Add(eth(0x0800, append([]byte{0x45, 0, 1, 0x48, 0, 0, 0, 0, 64, 17, 0, 0, 0, 0, 0, 0, 255, 255, 255, 255, 0, 68, 0, 67, 1, 0x34, 0, 0}, dhcp...)...))
	f.Fuzz(func(t *testing.T, frame []byte) {
		c := NewCounter()
		c.Observe(frame, gopacket.CaptureInfo{Timestamp: time.Unix(1, 0), Length: len(frame), CaptureLength: len(frame)})
		snap := c.Snapshot(SnapshotOptions{Active: time.Minute, Forget: time.Hour})
		if len(frame) >= 14 && snap.Captured != 1 {
			t.Fatalf("captured %d, want 1", snap.Captured)
		}
	})
}

func BenchmarkCounterObserve(b *testing.B) {
	frames := make([][]byte, 64)
	for i := range frames {
		fr := make([]byte, 60+i*20)
		copy(fr, []byte{2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, byte(2 + i%25), 8, 0, 0x45})
		if i%2 == 1 {
			copy(fr, []byte{2, 0, 0, 0, 0, byte(2 + i%25), 2, 0, 0, 0, 0, 1})
		}
		fr[14+9] = 6 // TCP
		frames[i] = fr
	}
	c := NewCounter()
	ci := gopacket.CaptureInfo{Timestamp: time.Now()}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		fr := frames[i&63]
		ci.Length = len(fr)
		c.Observe(fr, ci)
	}
}
