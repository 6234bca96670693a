package agent

import (
	"encoding/binary"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/google/gopacket"
)

// MAC is a 6-byte hardware address, usable as a map key.
type MAC [6]byte

func (m MAC) String() string { return net.HardwareAddr(m[:]).String() }

// group reports a broadcast or multicast address.
func (m MAC) group() bool { return m[0]&1 == 1 }

// ParseMAC parses any form net.ParseMAC accepts, 6 bytes only.
func ParseMAC(s string) (MAC, bool) {
	hw, err := net.ParseMAC(s)
	if err != nil || len(hw) != 6 {
		return MAC{}, false
	}
	return MAC(hw), true
}

// pair is a (source, destination) MAC pair: the unit the counter adds up.
// Direction is decided later, once the gateway is known.
type pair struct{ src, dst MAC }

// flow is a pair's interval counts, with its two stations so that the hot
// path needs one map lookup (dst is nil for a group address).
type flow struct {
	packets, bytes uint64
	src, dst       *station
}

// station is what the counter knows about one MAC across intervals.
type station struct {
	first, last int64 // unix nanoseconds
	ip          netip.Addr
	hostname    string
}

// Counter adds up captured frames per MAC pair and learns each station's IP
// (from DHCP and ARP) and DHCP hostname. It is safe for one writer (the
// capture loop) and concurrent snapshots.
type Counter struct {
	// MaxPairs and MaxStations bound memory; frames beyond them are counted
	// as dropped. Defaults 8192 and 4096.
	MaxPairs    int
	MaxStations int

	mu       sync.Mutex
	pairs    map[pair]*flow
	stations map[MAC]*station
	captured uint64
	dropped  uint64
	firstTS  int64 // packet times of the interval's first and last frames
	lastTS   int64
}

// NewCounter returns an empty counter with default bounds.
func NewCounter() *Counter {
	return &Counter{MaxPairs: 8192, MaxStations: 4096,
		pairs: make(map[pair]*flow), stations: make(map[MAC]*station)}
}

// Observe counts one frame. length is its length on the wire (it may be
// longer than data when the capture was truncated).
func (c *Counter) Observe(data []byte, ci gopacket.CaptureInfo) {
	eth, err := decodeEthernet(data)
	if err != nil {
		return
	}
	length := uint64(ci.Length)
	if length == 0 {
		length = uint64(len(data))
	}
	src, dst := eth.src, eth.dst
	ts := ci.Timestamp.UnixNano()

	c.mu.Lock()
	defer c.mu.Unlock()
	c.captured++
	if c.firstTS == 0 || ts < c.firstTS {
		c.firstTS = ts
	}
	if ts > c.lastTS {
		c.lastTS = ts
	}
	if src.group() {
		return // not a real sender
	}
	f := c.pairs[pair{src, dst}]
	if f == nil {
		if len(c.pairs) >= c.MaxPairs {
			c.dropped++
			return
		}
		f = &flow{src: c.see(src, ts)}
		if !dst.group() {
			f.dst = c.see(dst, ts)
		}
		c.pairs[pair{src, dst}] = f
	}
	f.packets++
	f.bytes += length
	touch(f.src, ts)
	touch(f.dst, ts)
	c.learn(eth.etherType, eth.payload, ts)
}

func (c *Counter) see(m MAC, ts int64) *station {
	s := c.stations[m]
	if s == nil {
		if len(c.stations) >= c.MaxStations {
			return nil
		}
		s = &station{first: ts}
		c.stations[m] = s
	}
	touch(s, ts)
	return s
}

// touch records that s was seen at ts (s may be nil: not tracked).
func touch(s *station, ts int64) {
	if s == nil {
		return
	}
	if ts > s.last {
		s.last = ts
	}
	if ts < s.first {
		s.first = ts
	}
}

// learn picks IPs and hostnames out of ARP and DHCP.
func (c *Counter) learn(etherType uint16, payload []byte, ts int64) {
	switch etherType {
	case etherTypeARP:
		c.learnARP(payload, ts)
	case etherTypeIPv4:
		// Only UDP between ports 67 and 68 is worth decoding further.
		if len(payload) < 20 || payload[9] != protoUDP {
			return
		}
		ip, err := decodeIPv4(payload)
		if err != nil {
			return
		}
		u, err := decodeUDP(ip.payload)
		if err != nil {
			return
		}
		if (u.srcPort == 67 || u.srcPort == 68) && (u.dstPort == 67 || u.dstPort == 68) {
			c.learnDHCP(u.payload, ts)
		}
	}
}

func (c *Counter) learnARP(p []byte, ts int64) {
	a, err := decodeARP(p)
	if err != nil || a.senderIP.IsUnspecified() || a.senderMAC.group() {
		return // an ARP probe says nothing yet
	}
	if s := c.see(a.senderMAC, ts); s != nil {
		s.ip = a.senderIP
	}
}

func (c *Counter) learnDHCP(p []byte, ts int64) {
	d, err := decodeDHCP(p)
	if err != nil || d.clientMAC.group() {
		return
	}
	s := c.see(d.clientMAC, ts)
	if s == nil {
		return
	}
	if len(d.hostname) > 0 {
		s.hostname = cleanHostname(d.hostname)
	}
	if d.msgType == dhcpAck && !d.yourIP.IsUnspecified() {
		s.ip = d.yourIP
	}
}

// cleanHostname keeps a DHCP hostname's printable ASCII, at most 64 bytes.
func cleanHostname(b []byte) string {
	out := make([]byte, 0, min(len(b), 64))
	for _, ch := range b {
		if ch > 0x20 && ch < 0x7f && len(out) < 64 {
			out = append(out, ch)
		}
	}
	return string(out)
}

// Totals is one client's figures for an interval.
type Totals struct {
	MAC                    MAC
	IP                     netip.Addr
	Hostname               string
	BytesUp, BytesDown     uint64
	PacketsUp, PacketsDown uint64
	FirstSeen, LastSeen    time.Time
}

// Snapshot is an interval's result.
type Snapshot struct {
	Gateway  MAC
	Clients  []Totals // every client seen in the interval
	Now      int      // clients seen within the active window
	Captured uint64
	Dropped  uint64
	// First and Last are the packet times of the interval's first and last
	// frames (zero when none).
	First, Last time.Time
}

// SnapshotOptions say how to attribute the interval's frames.
type SnapshotOptions struct {
	Gateway MAC           // zero: infer it from the traffic
	Exclude map[MAC]bool  // never clients (the AP's own MACs)
	Now     time.Time     // for the active window and forgetting; zero: the last frame's time
	Active  time.Duration // a client seen this recently is "now"
	Forget  time.Duration // a client unseen this long is forgotten
}

// Snapshot attributes the interval's frames to clients and starts a new
// interval. Up is client→gateway (and the client's broadcasts), down is
// gateway→client; frames between two clients count for neither.
func (c *Counter) Snapshot(o SnapshotOptions) Snapshot {
	c.mu.Lock()
	pairs, captured, dropped := c.pairs, c.captured, c.dropped
	c.pairs = make(map[pair]*flow, len(pairs))
	c.captured, c.dropped = 0, 0
	first, last := c.firstTS, c.lastTS
	c.firstTS, c.lastTS = 0, 0
	gw := o.Gateway
	if gw == (MAC{}) {
		gw = inferGateway(pairs)
	}
	byMAC := map[MAC]*Totals{}
	get := func(m MAC) *Totals {
		t := byMAC[m]
		if t == nil {
			t = &Totals{MAC: m}
			byMAC[m] = t
		}
		return t
	}
	for p, f := range pairs {
		switch {
		case p.src == gw || o.Exclude[p.src]:
			if !p.dst.group() && p.dst != gw && !o.Exclude[p.dst] {
				t := get(p.dst)
				t.BytesDown += f.bytes
				t.PacketsDown += f.packets
			}
		case p.dst == gw || p.dst.group():
			t := get(p.src)
			t.BytesUp += f.bytes
			t.PacketsUp += f.packets
		default: // client to client, or to the AP itself
			get(p.src)
			if !o.Exclude[p.dst] {
				get(p.dst)
			}
		}
	}
	snap := Snapshot{Gateway: gw, Captured: captured, Dropped: dropped}
	if first != 0 {
		snap.First, snap.Last = time.Unix(0, first).UTC(), time.Unix(0, last).UTC()
	}
	now := o.Now.UnixNano()
	if o.Now.IsZero() {
		now = last
	}
	for m, s := range c.stations {
		switch {
		case m == gw || o.Exclude[m]:
			continue
		case o.Forget > 0 && now-s.last > int64(o.Forget):
			delete(c.stations, m)
			continue
		case now-s.last <= int64(o.Active):
			snap.Now++
		}
		if t := byMAC[m]; t != nil {
			t.IP, t.Hostname = s.ip, s.hostname
			t.FirstSeen, t.LastSeen = time.Unix(0, s.first).UTC(), time.Unix(0, s.last).UTC()
			snap.Clients = append(snap.Clients, *t)
		}
	}
	c.mu.Unlock()
	return snap
}

// inferGateway picks the MAC that every flow shares: the one with the most
// distinct unicast peers, ties broken by bytes.
func inferGateway(pairs map[pair]*flow) MAC {
	type score struct {
		peers map[MAC]bool
		bytes uint64
	}
	scores := map[MAC]*score{}
	add := func(m, peer MAC, b uint64) {
		s := scores[m]
		if s == nil {
			s = &score{peers: map[MAC]bool{}}
			scores[m] = s
		}
		s.peers[peer] = true
		s.bytes += b
	}
	for p, f := range pairs {
		if p.dst.group() {
			continue
		}
		add(p.src, p.dst, f.bytes)
		add(p.dst, p.src, f.bytes)
	}
	var best MAC
	var bs *score
	for m, s := range scores {
		if bs == nil || len(s.peers) > len(bs.peers) ||
			len(s.peers) == len(bs.peers) && (s.bytes > bs.bytes || s.bytes == bs.bytes && lessMAC(m, best)) {
			best, bs = m, s
		}
	}
	// With a single flow either end could be the gateway; say nothing.
	if bs == nil || len(bs.peers) < 2 {
		return MAC{}
	}
	return best
}

func lessMAC(a, b MAC) bool {
	return binary.BigEndian.Uint64(append([]byte{0, 0}, a[:]...)) < binary.BigEndian.Uint64(append([]byte{0, 0}, b[:]...))
}
