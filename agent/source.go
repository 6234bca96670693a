package agent

import (
	"bufio"
	"fmt"
	"io"
	"os"

	"github.com/google/gopacket"
	"github.com/wifihk/wifihk/agent/internal/pcapgo"
)

// Source yields captured Ethernet frames. The slice is valid until the next
// call. io.EOF ends a replay.
type Source interface {
	ZeroCopyReadPacketData() ([]byte, gopacket.CaptureInfo, error)
	Close() error
}

// Live is a Source on a network interface.
type Live interface {
	Source
	// LocalMAC is the interface's own address (never a client).
	LocalMAC() MAC
	// Drops is how many frames the kernel dropped since the last call.
	Drops() uint64
}

// pcapFile replays a pcap or pcapng file of Ethernet frames.
type pcapFile struct {
	f *os.File
	r interface {
		ZeroCopyReadPacketData() ([]byte, gopacket.CaptureInfo, error)
	}
}

// OpenPcap opens a pcap or pcapng file for replay.
func OpenPcap(path string) (Source, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("agent: pcap: %w", err)
	}
	br := bufio.NewReaderSize(f, 256<<10)
	magic, err := br.Peek(4)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("agent: pcap: %s: too short to be a capture", path)
	}
	var link pcapgo.LinkType
	p := &pcapFile{f: f}
	if string(magic) == "\x0a\x0d\x0d\x0a" {
		r, err := pcapgo.NewNgReader(br, pcapgo.DefaultNgReaderOptions)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("agent: pcap: %s: %w", path, err)
		}
		p.r, link = r, r.LinkType()
	} else {
		r, err := pcapgo.NewReader(br)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("agent: pcap: %s: %w", path, err)
		}
		p.r, link = r, r.LinkType()
	}
	if link != pcapgo.LinkTypeEthernet {
		f.Close()
		return nil, fmt.Errorf("agent: pcap: %s: link type %v is not Ethernet", path, link)
	}
	return p, nil
}

func (p *pcapFile) ZeroCopyReadPacketData() ([]byte, gopacket.CaptureInfo, error) {
	data, ci, err := p.r.ZeroCopyReadPacketData()
	if err == io.ErrUnexpectedEOF {
		err = io.EOF // a capture cut short: count what is there
	}
	return data, ci, err
}

func (p *pcapFile) Close() error { return p.f.Close() }
