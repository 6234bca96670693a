package pcapgo_test

import (
	"bytes"
	"errors"
	"io"
	"runtime"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	upstream "github.com/google/gopacket/pcapgo"

	"github.com/wifihk/wifihk/agent/internal/pcapgo"
)

type packetReader interface {
	ZeroCopyReadPacketData() ([]byte, gopacket.CaptureInfo, error)
}

// seeds are a pcap and a pcapng file written by upstream pcapgo.
func seeds(t testing.TB) (pcap, pcapng []byte) {
	var a, b bytes.Buffer
	w := upstream.NewWriter(&a)
	if err := w.WriteFileHeader(1600, layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	nw, err := upstream.NewNgWriter(&b, layers.LinkTypeEthernet)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 5 {
		frame := bytes.Repeat([]byte{byte(i)}, 60+i*100)
		ci := gopacket.CaptureInfo{Timestamp: at.Add(time.Duration(i) * time.Millisecond), CaptureLength: len(frame), Length: len(frame) + i}
		if err := w.WritePacket(ci, frame); err != nil {
			t.Fatal(err)
		}
		if err := nw.WritePacket(ci, frame); err != nil {
			t.Fatal(err)
		}
	}
	nw.Flush()
	return a.Bytes(), b.Bytes()
}

// upstreamSafe is the largest snap length upstream is trusted with here: it
// allocates a buffer of that size.
const upstreamSafe = 1 << 20

// FuzzReadersMatchUpstream: for any input, this copy's pcap and pcapng
// readers return what upstream pcapgo's return: the same link type, the
// same frames and capture info, an error at the same frame; except that
// this copy refuses a frame over MaxCaptureLength where upstream would
// allocate whatever the file says.
func FuzzReadersMatchUpstream(f *testing.F) {
	pcap, pcapng := seeds(f)
	f.Add(pcap, false)
	f.Add(pcapng, true)
	f.Add(pcap[:40], false)
	f.Add(pcapng[:50], true)
	f.Add([]byte("\xd4\xc3\xb2\xa1\x02\x00\x04\x00"), false)
	f.Fuzz(func(t *testing.T, data []byte, ng bool) {
		var ours, theirs packetReader
		var hugeSnap func() bool
		var errOurs, errTheirs error
		if ng {
			var o *pcapgo.NgReader
			var u *upstream.NgReader
			o, errOurs = pcapgo.NewNgReader(bytes.NewReader(data), pcapgo.DefaultNgReaderOptions)
			if upstreamPanics(func() { u, errTheirs = upstream.NewNgReader(bytes.NewReader(data), upstream.DefaultNgReaderOptions) }) {
				if errOurs == nil {
					t.Fatal("upstream panics on this input and this copy accepts it")
				}
				return
			}
			if errOurs == nil && errTheirs == nil {
				if uint8(o.LinkType()) != uint8(u.LinkType()) {
					t.Fatalf("link type %d, upstream %d", o.LinkType(), u.LinkType())
				}
				ours, theirs = o, u
				hugeSnap = func() bool {
					for i := range o.NInterfaces() {
						if ifc, _ := o.Interface(i); ifc.SnapLength > upstreamSafe {
							return true
						}
					}
					return false
				}
			}
		} else {
			var o *pcapgo.Reader
			var u *upstream.Reader
			o, errOurs = pcapgo.NewReader(bytes.NewReader(data))
			u, errTheirs = upstream.NewReader(bytes.NewReader(data))
			if errOurs == nil && errTheirs == nil {
				if uint8(o.LinkType()) != uint8(u.LinkType()) {
					t.Fatalf("link type %d, upstream %d", o.LinkType(), u.LinkType())
				}
				ours, theirs = o, u
				hugeSnap = func() bool { return o.Snaplen() > upstreamSafe }
			}
		}
		if errors.Is(errOurs, pcapgo.ErrTimestampResolution) {
			return // upstream keeps wrong times, or divides by zero
		}
		if (errOurs == nil) != (errTheirs == nil) {
			t.Fatalf("open: %v, upstream %v", errOurs, errTheirs)
		}
		if ours == nil {
			return
		}
		for i := 0; i < 1000; i++ {
			d1, ci1, err1 := ours.ZeroCopyReadPacketData()
			if errors.Is(err1, pcapgo.ErrCaptureTooLong) || errors.Is(err1, pcapgo.ErrTimestampResolution) || hugeSnap() {
				return // upstream would allocate what the file says, up to 4 GB
			}
			var d2 []byte
			var ci2 gopacket.CaptureInfo
			var err2 error
			if upstreamPanics(func() { d2, ci2, err2 = theirs.ZeroCopyReadPacketData() }) {
				if err1 == nil {
					t.Fatalf("frame %d: upstream panics and this copy reads it", i)
				}
				return
			}
			if (err1 == nil) != (err2 == nil) || err1 != nil && err1.Error() != err2.Error() {
				t.Fatalf("frame %d: error %v, upstream %v", i, err1, err2)
			}
			if err1 != nil {
				return
			}
			if !bytes.Equal(d1, d2) || !ci1.Timestamp.Equal(ci2.Timestamp) || ci1.Length != ci2.Length ||
				ci1.CaptureLength != ci2.CaptureLength || ci1.InterfaceIndex != ci2.InterfaceIndex {
				t.Fatalf("frame %d: %x %+v, upstream %x %+v", i, d1, ci1, d2, ci2)
			}
		}
	})
}

// upstreamPanics runs fn and reports whether it panicked: upstream has
// bugs this copy fixes.
func upstreamPanics(fn func()) (panicked bool) {
	defer func() {
		if recover() != nil {
			panicked = true
		}
	}()
	fn()
	return false
}

// TestSeedsRead: the seeds are read whole, so the fuzz target compares
// frames and not only errors.
func TestSeedsRead(t *testing.T) {
	pcap, pcapng := seeds(t)
	r, err := pcapgo.NewReader(bytes.NewReader(pcap))
	if err != nil || r.LinkType() != pcapgo.LinkTypeEthernet {
		t.Fatal(err)
	}
	nr, err := pcapgo.NewNgReader(bytes.NewReader(pcapng), pcapgo.DefaultNgReaderOptions)
	if err != nil || nr.LinkType() != pcapgo.LinkTypeEthernet {
		t.Fatal(err)
	}
	for _, rd := range []packetReader{r, nr} {
		n := 0
		for {
			data, ci, err := rd.ZeroCopyReadPacketData()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil || len(data) != 60+n*100 || ci.Length != len(data)+n {
				t.Fatalf("frame %d: %d bytes, %+v, %v", n, len(data), ci, err)
			}
			n++
		}
		if n != 5 {
			t.Fatalf("read %d frames, want 5", n)
		}
	}
}

// TestHugeLengthsAreRefused: a 60-byte file that declares a 4 GB snap
// length and a 1 GB frame gets an error, not a 4 GB allocation.
func TestHugeLengthsAreRefused(t *testing.T) {
	var b bytes.Buffer
	b.Write([]byte{0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 1, 0, 0, 0})
	b.Write([]byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x40, 0, 0, 0, 0x40}) // caplen = len = 1 GB
	b.Write(make([]byte, 20))
	r, err := pcapgo.NewReader(&b)
	if err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, _, err = r.ZeroCopyReadPacketData()
	runtime.ReadMemStats(&after)
	if !errors.Is(err, pcapgo.ErrCaptureTooLong) {
		t.Fatalf("got %v, want ErrCaptureTooLong", err)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 1<<20 {
		t.Fatalf("allocated %d bytes for a 60-byte file", grew)
	}
}
