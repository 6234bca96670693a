package agent

import (
	"fmt"
	"sync"

	"github.com/google/gopacket"
	"github.com/wifihk/wifihk/agent/internal/pcapgo"
)

// liveHandle captures on an interface with gopacket's pcapgo EthernetHandle
// (internal/pcapgo): an AF_PACKET socket, no cgo and no libpcap.
type liveHandle struct {
	h     *pcapgo.EthernetHandle
	local MAC
	mu    sync.Mutex // Close versus Drops
	open  bool
}

// OpenLive starts capturing on iface. A read blocks until a frame arrives,
// so the capture loop notices cancellation at the next frame.
func OpenLive(iface string, promiscuous bool) (Live, error) {
	h, err := pcapgo.NewEthernetHandle(iface)
	if err != nil {
		return nil, fmt.Errorf("agent: capture %s: %w (root or CAP_NET_RAW is needed)", iface, err)
	}
	// Room for the headers we read, DHCP options included; byte counts use
	// the length on the wire, not what was copied.
	if err := h.SetCaptureLength(2048); err != nil {
		h.Close()
		return nil, fmt.Errorf("agent: capture %s: %w", iface, err)
	}
	if promiscuous {
		if err := h.SetPromiscuous(true); err != nil {
			h.Close()
			return nil, fmt.Errorf("agent: capture %s: promiscuous: %w", iface, err)
		}
	}
	l := &liveHandle{h: h, open: true}
	copy(l.local[:], h.LocalAddr())
	return l, nil
}

func (l *liveHandle) ZeroCopyReadPacketData() ([]byte, gopacket.CaptureInfo, error) {
	return l.h.ZeroCopyReadPacketData()
}

func (l *liveHandle) LocalMAC() MAC { return l.local }

func (l *liveHandle) Drops() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.open {
		return 0
	}
	st, err := l.h.Stats()
	if err != nil {
		return 0
	}
	return uint64(st.Drops)
}

func (l *liveHandle) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open {
		l.h.Close()
		l.open = false
	}
	return nil
}
