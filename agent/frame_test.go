package agent

import (
	"bytes"
	"net"
	"net/netip"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

// gopacketFrame serializes layers with gopacket, as a seed.
func gopacketFrame(t testing.TB, ls ...gopacket.SerializableLayer) []byte {
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true}, ls...); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func frameSeeds(t testing.TB) [][]byte {
	cl := net.HardwareAddr{2, 0, 0, 0, 1, 7}
	gw := net.HardwareAddr{2, 0, 0, 0, 0, 1}
	arp := &layers.ARP{AddrType: layers.LinkTypeEthernet, Protocol: layers.EthernetTypeIPv4,
		HwAddressSize: 6, ProtAddressSize: 4, Operation: layers.ARPReply,
		SourceHwAddress: cl, SourceProtAddress: net.IPv4(10, 0, 0, 7).To4(),
		DstHwAddress: gw, DstProtAddress: net.IPv4(10, 0, 0, 1).To4()}
	ip := &layers.IPv4{Version: 4, IHL: 5, TTL: 64, Protocol: layers.IPProtocolUDP,
		SrcIP: net.IPv4(10, 0, 0, 1).To4(), DstIP: net.IPv4bcast.To4()}
	udp := &layers.UDP{SrcPort: 67, DstPort: 68}
	ack := &layers.DHCPv4{Operation: layers.DHCPOpReply, HardwareType: layers.LinkTypeEthernet, HardwareLen: 6,
		ClientHWAddr: cl, YourClientIP: net.IPv4(10, 0, 0, 7).To4(),
		Options: layers.DHCPOptions{
			layers.NewDHCPOption(layers.DHCPOptMessageType, []byte{byte(layers.DHCPMsgTypeAck)}),
			layers.NewDHCPOption(layers.DHCPOptHostname, []byte("pixel-7")),
		}}
	eth := func(typ layers.EthernetType) *layers.Ethernet {
		return &layers.Ethernet{SrcMAC: gw, DstMAC: cl, EthernetType: typ}
	}
	return [][]byte{
		gopacketFrame(t, eth(layers.EthernetTypeARP), arp),
		gopacketFrame(t, eth(layers.EthernetTypeIPv4), ip, udp, ack),
		gopacketFrame(t, eth(layers.EthernetTypeDot1Q), &layers.Dot1Q{VLANIdentifier: 7, Type: layers.EthernetTypeIPv4}, ip, udp, ack),
		gopacketFrame(t, eth(layers.EthernetTypeIPv4), ip, &layers.UDP{SrcPort: 5353, DstPort: 5353}, gopacket.Payload("hello")),
	}
}

// TestDecodersReadGopacketFrames: frames gopacket builds are read as
// gopacket meant them.
func TestDecodersReadGopacketFrames(t *testing.T) {
	s := frameSeeds(t)
	e, err := decodeEthernet(s[0])
	if err != nil || e.etherType != etherTypeARP || e.src != (MAC{2, 0, 0, 0, 0, 1}) {
		t.Fatalf("ARP frame: %+v %v", e, err)
	}
	a, err := decodeARP(e.payload)
	if err != nil || a.op != 2 || a.senderMAC != (MAC{2, 0, 0, 0, 1, 7}) || a.senderIP != netip.MustParseAddr("10.0.0.7") {
		t.Fatalf("ARP: %+v %v", a, err)
	}
	for _, fr := range s[1:3] {
		e, err := decodeEthernet(fr)
		if err != nil || e.etherType != etherTypeIPv4 {
			t.Fatalf("DHCP frame: %+v %v", e, err)
		}
		ip, err := decodeIPv4(e.payload)
		if err != nil || ip.protocol != protoUDP {
			t.Fatalf("IPv4: %+v %v", ip, err)
		}
		u, err := decodeUDP(ip.payload)
		if err != nil || u.srcPort != 67 || u.dstPort != 68 {
			t.Fatalf("UDP: %+v %v", u, err)
		}
		d, err := decodeDHCP(u.payload)
		if err != nil || d.msgType != dhcpAck || string(d.hostname) != "pixel-7" || d.yourIP != netip.MustParseAddr("10.0.0.7") {
			t.Fatalf("DHCP: %+v %v", d, err)
		}
	}
}

// TestDecodersNameTheProblem: junk gets an error that says what is wrong.
func TestDecodersNameTheProblem(t *testing.T) {
	dhcpNoCookie := make([]byte, 240)
	dhcpNoCookie[1], dhcpNoCookie[2] = 1, 6
	dhcpLongOpt := append(bytes.Clone(dhcpNoCookie), 12, 9, 'a')
	copy(dhcpLongOpt[236:], []byte{0x63, 0x82, 0x53, 0x63})
	for _, c := range []struct {
		name string
		err  error
		want string
	}{
		{"short frame", second(decodeEthernet(make([]byte, 13))), "shorter than 14"},
		{"short VLAN tag", second(decodeEthernet(append(make([]byte, 12), 0x81, 0, 0))), "802.1Q"},
		{"ARP for IPv6", second(decodeARP([]byte{0, 1, 0x86, 0xdd, 6, 16, 0, 1, 27: 0})), "Ethernet/IPv4"},
		{"IPv6 in IPv4", second(decodeIPv4(append([]byte{0x60}, make([]byte, 19)...))), "version"},
		{"IHL past the end", second(decodeIPv4(append([]byte{0x4f}, make([]byte, 19)...))), "header length"},
		{"UDP length 3", second(decodeUDP([]byte{0, 1, 0, 2, 0, 3, 0, 0})), "UDP length"},
		{"DHCP without cookie", second(decodeDHCP(dhcpNoCookie)), "cookie"},
		{"DHCP option past the end", second(decodeDHCP(dhcpLongOpt)), "past the end"},
	} {
		if c.err == nil || !bytes.Contains([]byte(c.err.Error()), []byte(c.want)) {
			t.Errorf("%s: %v, want an error containing %q", c.name, c.err, c.want)
		}
	}
}

func second[T any](_ T, err error) error { return err }

// FuzzDecodersMatchGopacket: on any frame our decoders never panic, and
// whatever both they and gopacket/layers accept, they read alike.
func FuzzDecodersMatchGopacket(f *testing.F) {
	for _, s := range frameSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, frame []byte) {
		c := NewCounter()
		c.Observe(frame, gopacket.CaptureInfo{Length: len(frame)})

		e, err := decodeEthernet(frame)
		var ge layers.Ethernet
		gerr := ge.DecodeFromBytes(frame, gopacket.NilDecodeFeedback)
		if err != nil || gerr != nil {
			return
		}
		if e.src != MAC(ge.SrcMAC) || e.dst != MAC(ge.DstMAC) {
			t.Fatalf("Ethernet addresses %v %v, gopacket %v %v", e.src, e.dst, ge.SrcMAC, ge.DstMAC)
		}
		if ge.EthernetType < 0x0600 || ge.EthernetType == layers.EthernetTypeDot1Q || ge.EthernetType == layers.EthernetTypeQinQ {
			return // 802.3 length, or tags gopacket leaves to another layer
		}
		if e.etherType != uint16(ge.EthernetType) || !bytes.Equal(e.payload, ge.Payload) {
			t.Fatalf("EtherType %#x, gopacket %#x", e.etherType, ge.EthernetType)
		}
		switch e.etherType {
		case etherTypeARP:
			matchARP(t, e.payload)
		case etherTypeIPv4:
			matchIPv4(t, e.payload)
		}
	})
}

func matchARP(t *testing.T, p []byte) {
	a, err := decodeARP(p)
	if err != nil {
		return
	}
	var ga layers.ARP
	if gerr := ga.DecodeFromBytes(p, gopacket.NilDecodeFeedback); gerr != nil {
		t.Fatalf("we read an ARP gopacket refuses: %v", gerr)
	}
	if a.op != ga.Operation || a.senderMAC != MAC(ga.SourceHwAddress) || a.senderIP.AsSlice() == nil ||
		!bytes.Equal(a.senderIP.AsSlice(), ga.SourceProtAddress) {
		t.Fatalf("ARP %+v, gopacket %+v", a, ga)
	}
}

func matchIPv4(t *testing.T, p []byte) {
	ip, err := decodeIPv4(p)
	var gip layers.IPv4
	if err != nil || gip.DecodeFromBytes(p, gopacket.NilDecodeFeedback) != nil {
		return
	}
	if ip.protocol != uint8(gip.Protocol) || !bytes.Equal(ip.payload, gip.Payload) {
		t.Fatalf("IPv4 protocol %d payload %d bytes, gopacket %d and %d bytes", ip.protocol, len(ip.payload), gip.Protocol, len(gip.Payload))
	}
	if ip.protocol != protoUDP {
		return
	}
	u, err := decodeUDP(ip.payload)
	var gu layers.UDP
	if err != nil || gu.DecodeFromBytes(ip.payload, gopacket.NilDecodeFeedback) != nil {
		return
	}
	if u.srcPort != uint16(gu.SrcPort) || u.dstPort != uint16(gu.DstPort) || !bytes.Equal(u.payload, gu.Payload) {
		t.Fatalf("UDP %d>%d %d bytes, gopacket %d>%d %d bytes", u.srcPort, u.dstPort, len(u.payload), gu.SrcPort, gu.DstPort, len(gu.Payload))
	}
	d, err := decodeDHCP(u.payload)
	var gd layers.DHCPv4
	if err != nil || gd.DecodeFromBytes(u.payload, gopacket.NilDecodeFeedback) != nil {
		return
	}
	var msgType uint8
	var hostname []byte
	for _, o := range gd.Options {
		switch {
		case o.Type == layers.DHCPOptMessageType && len(o.Data) == 1:
			msgType = o.Data[0]
		case o.Type == layers.DHCPOptHostname:
			hostname = o.Data
		}
	}
	if d.clientMAC != MAC(gd.ClientHWAddr) || !bytes.Equal(d.yourIP.AsSlice(), gd.YourClientIP.To4()) ||
		d.msgType != msgType || !bytes.Equal(d.hostname, hostname) {
		t.Fatalf("DHCP %+v, gopacket %+v", d, gd)
	}
}
