package agent

import (
	"encoding/binary"
	"errors"
	"net/netip"
)

// The counter reads only a few fields of a few protocols, so it decodes
// them itself: gopacket/layers would link every decoder it has (about
// 1.2 MB of the AP binary) and fill 65,536-entry tables at start (about
// 5 MB of memory on 64-bit). Each decoder checks every length before it
// reads, returns an error that names the problem, and is fuzzed against
// gopacket/layers (frame_test.go).

// EtherTypes and IP protocols the counter looks into.
const (
	etherTypeIPv4 = 0x0800
	etherTypeARP  = 0x0806
	etherTypeVLAN = 0x8100
	etherTypeQinQ = 0x88a8
	protoUDP      = 17
)

var (
	errShortEthernet = errors.New("agent: frame: Ethernet header shorter than 14 bytes")
	errShortVLAN     = errors.New("agent: frame: 802.1Q tag shorter than 4 bytes")
	errShortARP      = errors.New("agent: frame: ARP shorter than 28 bytes")
	errARPNotEthIPv4 = errors.New("agent: frame: ARP is not Ethernet/IPv4")
	errShortIPv4     = errors.New("agent: frame: IPv4 header shorter than 20 bytes")
	errNotIPv4       = errors.New("agent: frame: IP version is not 4")
	errIPv4IHL       = errors.New("agent: frame: IPv4 header length out of range")
	errIPv4Fragment  = errors.New("agent: frame: IPv4 fragment")
	errShortUDP      = errors.New("agent: frame: UDP header shorter than 8 bytes")
	errUDPLength     = errors.New("agent: frame: UDP length out of range")
	errShortDHCP     = errors.New("agent: frame: DHCP shorter than 240 bytes")
	errDHCPNotEth    = errors.New("agent: frame: DHCP hardware is not Ethernet")
	errDHCPCookie    = errors.New("agent: frame: DHCP magic cookie missing")
	errDHCPOption    = errors.New("agent: frame: DHCP option runs past the end")
)

// ethernet is an Ethernet II header, with at most two VLAN tags skipped.
type ethernet struct {
	dst, src  MAC
	etherType uint16
	payload   []byte
}

func decodeEthernet(b []byte) (ethernet, error) {
	if len(b) < 14 {
		return ethernet{}, errShortEthernet
	}
	e := ethernet{etherType: binary.BigEndian.Uint16(b[12:14]), payload: b[14:]}
	copy(e.dst[:], b[0:6])
	copy(e.src[:], b[6:12])
	for range 2 { // an 802.1ad outer tag, then an 802.1Q tag
		if e.etherType != etherTypeVLAN && e.etherType != etherTypeQinQ {
			break
		}
		if len(e.payload) < 4 {
			return ethernet{}, errShortVLAN
		}
		e.etherType, e.payload = binary.BigEndian.Uint16(e.payload[2:4]), e.payload[4:]
	}
	return e, nil
}

// arp is what an Ethernet/IPv4 ARP packet says about its sender.
type arp struct {
	op        uint16
	senderMAC MAC
	senderIP  netip.Addr
}

func decodeARP(b []byte) (arp, error) {
	if len(b) < 28 {
		return arp{}, errShortARP
	}
	// Hardware Ethernet (1), protocol IPv4, address sizes 6 and 4.
	if binary.BigEndian.Uint16(b[0:2]) != 1 || binary.BigEndian.Uint16(b[2:4]) != etherTypeIPv4 || b[4] != 6 || b[5] != 4 {
		return arp{}, errARPNotEthIPv4
	}
	a := arp{op: binary.BigEndian.Uint16(b[6:8]), senderIP: netip.AddrFrom4([4]byte(b[14:18]))}
	copy(a.senderMAC[:], b[8:14])
	return a, nil
}

// ipv4 is an IPv4 header's protocol and payload (cut to the total length).
type ipv4 struct {
	protocol uint8
	payload  []byte
}

func decodeIPv4(b []byte) (ipv4, error) {
	if len(b) < 20 {
		return ipv4{}, errShortIPv4
	}
	if b[0]>>4 != 4 {
		return ipv4{}, errNotIPv4
	}
	ihl := int(b[0]&0x0f) * 4
	total := int(binary.BigEndian.Uint16(b[2:4]))
	if ihl < 20 || ihl > len(b) {
		return ipv4{}, errIPv4IHL
	}
	// A frame may carry padding after the packet; a total length below the
	// header or past the frame (truncated capture) leaves what was captured.
	end := len(b)
	if total >= ihl && total < end {
		end = total
	}
	if frag := binary.BigEndian.Uint16(b[6:8]); frag&0x3fff != 0 {
		return ipv4{}, errIPv4Fragment // only a first, whole packet has the UDP header we want
	}
	return ipv4{protocol: b[9], payload: b[ihl:end]}, nil
}

// udp is a UDP header's ports and payload.
type udp struct {
	srcPort, dstPort uint16
	payload          []byte
}

func decodeUDP(b []byte) (udp, error) {
	if len(b) < 8 {
		return udp{}, errShortUDP
	}
	u := udp{srcPort: binary.BigEndian.Uint16(b[0:2]), dstPort: binary.BigEndian.Uint16(b[2:4])}
	n := int(binary.BigEndian.Uint16(b[4:6]))
	switch {
	case n < 8:
		return udp{}, errUDPLength
	case n > len(b):
		n = len(b) // truncated capture: what is there
	}
	u.payload = b[8:n]
	return u, nil
}

// DHCP message types and options the counter reads.
const (
	dhcpAck          = 5
	dhcpOptPad       = 0
	dhcpOptHostname  = 12
	dhcpOptMsgType   = 53
	dhcpOptEnd       = 255
	dhcpCookie       = 0x63825363
	dhcpFixedLen     = 236 // up to the options' magic cookie
	dhcpHWEthernet   = 1
	dhcpHWAddrLength = 6
)

// dhcp is what a DHCPv4 message says about its client.
type dhcp struct {
	clientMAC MAC
	yourIP    netip.Addr
	msgType   uint8
	hostname  []byte // aliases the frame
}

func decodeDHCP(b []byte) (dhcp, error) {
	if len(b) < dhcpFixedLen+4 {
		return dhcp{}, errShortDHCP
	}
	if b[1] != dhcpHWEthernet || b[2] != dhcpHWAddrLength {
		return dhcp{}, errDHCPNotEth
	}
	if binary.BigEndian.Uint32(b[dhcpFixedLen:dhcpFixedLen+4]) != dhcpCookie {
		return dhcp{}, errDHCPCookie
	}
	d := dhcp{yourIP: netip.AddrFrom4([4]byte(b[16:20]))}
	copy(d.clientMAC[:], b[28:34])
	opts := b[dhcpFixedLen+4:]
	for len(opts) > 0 {
		code := opts[0]
		if code == dhcpOptEnd {
			break
		}
		if code == dhcpOptPad {
			opts = opts[1:]
			continue
		}
		if len(opts) < 2 || len(opts) < 2+int(opts[1]) {
			return dhcp{}, errDHCPOption
		}
		data := opts[2 : 2+int(opts[1])]
		switch code {
		case dhcpOptMsgType:
			if len(data) == 1 {
				d.msgType = data[0]
			}
		case dhcpOptHostname:
			d.hostname = data
		}
		opts = opts[2+len(data):]
	}
	return d, nil
}
