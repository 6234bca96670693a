package agent_test

import (
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"

	"github.com/wifihk/wifihk/agent"
	"github.com/wifihk/wifihk/agent/wire"
	"github.com/wifihk/wifihk/telemetry"
)

// frame is one Ethernet frame the test wrote, with what it expects of it.
type frame struct {
	src, dst net.HardwareAddr
	data     []byte
}

// frames builds Ethernet frames with gopacket.
type frames struct {
	t   testing.TB
	out []frame
}

func mac(s string) net.HardwareAddr {
	m, err := net.ParseMAC(s)
	if err != nil {
		panic(err)
	}
	return m
}

func (f *frames) serialize(ls ...gopacket.SerializableLayer) []byte {
	buf := gopacket.NewSerializeBuffer()
	opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
	if err := gopacket.SerializeLayers(buf, opts, ls...); err != nil {
		f.t.Fatal(err)
	}
	return append([]byte(nil), buf.Bytes()...)
}

// udp adds an IPv4/UDP frame with n payload bytes.
func (f *frames) udp(src, dst net.HardwareAddr, srcIP, dstIP string, n int) {
	eth := &layers.Ethernet{SrcMAC: src, DstMAC: dst, EthernetType: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP,
		SrcIP: net.ParseIP(srcIP).To4(), DstIP: net.ParseIP(dstIP).To4()}
	udp := &layers.UDP{SrcPort: 40000, DstPort: 443}
	udp.SetNetworkLayerForChecksum(ip)
	f.out = append(f.out, frame{src, dst, f.serialize(eth, ip, udp, gopacket.Payload(make([]byte, n)))})
}

// arp adds an ARP request from src announcing ip.
func (f *frames) arp(src net.HardwareAddr, ip, target string) {
	eth := &layers.Ethernet{SrcMAC: src, DstMAC: layers.EthernetBroadcast, EthernetType: layers.EthernetTypeARP}
	a := &layers.ARP{AddrType: layers.LinkTypeEthernet, Protocol: layers.EthernetTypeIPv4,
		HwAddressSize: 6, ProtAddressSize: 4, Operation: layers.ARPRequest,
		SourceHwAddress: src, SourceProtAddress: net.ParseIP(ip).To4(),
		DstHwAddress: make([]byte, 6), DstProtAddress: net.ParseIP(target).To4()}
	f.out = append(f.out, frame{src, eth.DstMAC, f.serialize(eth, a)})
}

// dhcp adds a DHCP message; a request carries hostname, an ack gives yiaddr.
func (f *frames) dhcp(src, dst, client net.HardwareAddr, typ layers.DHCPMsgType, hostname, yiaddr string) {
	eth := &layers.Ethernet{SrcMAC: src, DstMAC: dst, EthernetType: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP,
		SrcIP: net.IPv4zero.To4(), DstIP: net.IPv4bcast.To4()}
	udp := &layers.UDP{SrcPort: 68, DstPort: 67}
	op := layers.DHCPOpRequest
	if typ == layers.DHCPMsgTypeAck {
		ip.SrcIP, udp.SrcPort, udp.DstPort, op = net.ParseIP("10.0.0.1").To4(), 67, 68, layers.DHCPOpReply
	}
	udp.SetNetworkLayerForChecksum(ip)
	d := &layers.DHCPv4{Operation: op, HardwareType: layers.LinkTypeEthernet, HardwareLen: 6,
		Xid: 0x1234, ClientHWAddr: client,
		Options: layers.DHCPOptions{layers.NewDHCPOption(layers.DHCPOptMessageType, []byte{byte(typ)})}}
	if hostname != "" {
		d.Options = append(d.Options, layers.NewDHCPOption(layers.DHCPOptHostname, []byte(hostname)))
	}
	if yiaddr != "" {
		d.YourClientIP = net.ParseIP(yiaddr).To4()
	}
	f.out = append(f.out, frame{src, dst, f.serialize(eth, ip, udp, d)})
}

// writePcap writes the frames one millisecond apart from t0.
func (f *frames) writePcap(path string, t0 time.Time) {
	file, err := os.Create(path)
	if err != nil {
		f.t.Fatal(err)
	}
	defer file.Close()
	w := pcapgo.NewWriter(file)
	if err := w.WriteFileHeader(65536, layers.LinkTypeEthernet); err != nil {
		f.t.Fatal(err)
	}
	for i, fr := range f.out {
		ci := gopacket.CaptureInfo{Timestamp: t0.Add(time.Duration(i) * time.Millisecond),
			CaptureLength: len(fr.data), Length: len(fr.data)}
		if err := w.WritePacket(ci, fr.data); err != nil {
			f.t.Fatal(err)
		}
	}
}

// totals is what the test expects for one client.
type totals struct{ bytesUp, bytesDown, pktsUp, pktsDown uint64 }

// expect applies the documented rules to the frames: to the gateway or to
// a group address is the sender's up, from the gateway is the receiver's
// down, client to client is neither.
func (f *frames) expect(gw net.HardwareAddr) map[string]totals {
	out := map[string]totals{}
	for _, fr := range f.out {
		n := uint64(len(fr.data))
		switch {
		case fr.src.String() == gw.String():
			t := out[fr.dst.String()]
			t.bytesDown += n
			t.pktsDown++
			out[fr.dst.String()] = t
		case fr.dst.String() == gw.String() || fr.dst[0]&1 == 1:
			t := out[fr.src.String()]
			t.bytesUp += n
			t.pktsUp++
			out[fr.src.String()] = t
		}
	}
	return out
}

// controller is a fake controller that decodes every report with the real
// decoder and keeps them in arrival order. Like the real one it takes a
// sequence number once: a resend (the agent gave up waiting for the answer)
// is acknowledged and not kept again.
type controller struct {
	t       testing.TB
	srv     *httptest.Server
	mu      sync.Mutex
	reports []*wire.Report
	status  int // answer with this instead of storing, when set
	got     chan *wire.Report
	seen    map[uint64]bool
}

func newController(t testing.TB, token string) *controller {
	c := &controller{t: t, got: make(chan *wire.Report, 1000), seen: map[uint64]bool{}}
	c.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != wire.Path || r.Header.Get("Authorization") != "Bearer "+token {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		c.mu.Lock()
		status := c.status
		c.mu.Unlock()
		if status != 0 {
			http.Error(w, "refused by test", status)
			return
		}
		rep, err := telemetry.DecodeReport(r.Body, r.Header.Get("Content-Encoding"))
		if err != nil {
			t.Errorf("fake controller: %v", err)
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		c.mu.Lock()
		dup := c.seen[rep.Seq]
		if !dup {
			c.seen[rep.Seq] = true
			c.reports = append(c.reports, rep)
		}
		c.mu.Unlock()
		if !dup {
			c.got <- rep
		}
		w.Write([]byte(`{}`))
	}))
	t.Cleanup(c.srv.Close)
	return c
}

func (c *controller) setStatus(code int) {
	c.mu.Lock()
	c.status = code
	c.mu.Unlock()
}

// baseConfig is a config for a replay to c with a fresh spool.
func baseConfig(t testing.TB, url, pcap string) agent.Config {
	cfg := agent.DefaultConfig()
	cfg.Controller, cfg.Token, cfg.Pcap = url, "wha_test-token", pcap
	cfg.SpoolDir = filepath.Join(t.TempDir(), "spool")
	cfg.Once = true
	cfg.BackoffMin, cfg.BackoffMax = 10*time.Millisecond, 50*time.Millisecond
	cfg.Timeout = 5 * time.Second
	cfg.ProcRoot = t.TempDir() // no /proc figures: they are tested apart
	return cfg
}
