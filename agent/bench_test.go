package agent_test

import (
	"io"
	"path/filepath"
	"testing"
	"time"

	"github.com/wifihk/wifihk/agent"
)

// BenchmarkReplay reads a pcap of venue traffic (25 clients, one gateway,
// DHCP, ARP, frames of 60-1500 bytes) through the counter: the offline
// replay rate on one core. It reports packets/s.
func BenchmarkReplay(b *testing.B) {
	f := &frames{t: b}
	gw := mac("02:00:00:00:00:01")
	for i := 0; i < 20000; i++ {
		c := mac("02:00:00:00:01:00")
		c[5] = byte(i % 25)
		f.udp(c, gw, "10.0.0.2", "8.8.8.8", 20+i%400)
		f.udp(gw, c, "8.8.8.8", "10.0.0.2", 200+(i*7)%1250)
	}
	path := filepath.Join(b.TempDir(), "bench.pcap")
	f.writePcap(path, time.Now())
	b.ResetTimer()
	frames := 0
	for b.Loop() {
		src, err := agent.OpenPcap(path)
		if err != nil {
			b.Fatal(err)
		}
		c := agent.NewCounter()
		for {
			data, ci, err := src.ZeroCopyReadPacketData()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			c.Observe(data, ci)
			frames++
		}
		src.Close()
		c.Snapshot(agent.SnapshotOptions{Active: time.Minute, Forget: time.Hour})
	}
	b.ReportMetric(float64(frames)/b.Elapsed().Seconds(), "packets/s")
}
