package radius

import (
	"cmp"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// NASDropReasons are the reasons a registered NAS's packets are counted
// under in Drops, in the order the console shows them.
var NASDropReasons = [nReasons]string{DropBadAuth, DropBadMA, DropMissingMA, DropMalformed, DropBadCode, DropHandlerError}

// reasonIndex is a reason's place in NASDropReasons, or -1.
func reasonIndex(reason string) int {
	for i, r := range NASDropReasons {
		if r == reason {
			return i
		}
	}
	return -1
}

const (
	nReasons = 6  // len(NASDropReasons)
	slots    = 60 // one per minute: the last hour
	// topUnknown bounds the unknown sources remembered.
	topUnknown = 16
)

// Drops counts in memory, for this process only, the packets dropped from
// each registered NAS by reason (since start and per minute over the last
// hour) and the unknown sources that sent the most. One Drops serves the
// auth and accounting ports and RadSec. A NAS costs memory (about 3.5 kB)
// from its first drop on; further drops, and packets from unknown
// sources, allocate nothing. The zero value is not usable: NewDrops.
type Drops struct {
	start   time.Time
	mu      sync.RWMutex
	nas     map[string]*nasDrops // by NAS ID
	unknown unknownTop
}

// NewDrops returns empty counts that start now.
func NewDrops() *Drops {
	return &Drops{start: time.Now(), nas: map[string]*nasDrops{}}
}

// Since is when the counting started (the process's start).
func (d *Drops) Since() time.Time {
	if d == nil {
		return time.Time{}
	}
	return d.start
}

// nasDrops is one NAS's counts.
type nasDrops struct {
	total [nReasons]atomic.Int64
	last  [nReasons]atomic.Int64 // Unix ns of the newest drop
	ring  [slots]minuteSlot
	reset sync.Mutex // taken once a minute, to start a slot afresh
}

// minuteSlot counts one minute's drops; the ring reuses it an hour later.
type minuteSlot struct {
	minute atomic.Int64 // Unix minute it counts
	n      [nReasons]atomic.Int64
}

// nasDrop counts a dropped packet from the NAS with ID id. A nil Drops
// counts nothing.
func (d *Drops) nasDrop(id, reason string, now time.Time) {
	i := reasonIndex(reason)
	if d == nil || i < 0 {
		return
	}
	d.forNAS(id).add(i, now)
}

func (d *Drops) forNAS(id string) *nasDrops {
	d.mu.RLock()
	nd := d.nas[id]
	d.mu.RUnlock()
	if nd != nil {
		return nd
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if nd = d.nas[id]; nd == nil {
		nd = new(nasDrops)
		d.nas[id] = nd
	}
	return nd
}

func (nd *nasDrops) add(i int, now time.Time) {
	m := now.Unix() / 60
	s := &nd.ring[m%slots]
	if s.minute.Load() != m {
		nd.reset.Lock()
		if s.minute.Load() != m {
			for k := range s.n {
				s.n[k].Store(0)
			}
			s.minute.Store(m)
		}
		nd.reset.Unlock()
	}
	s.n[i].Add(1)
	nd.total[i].Add(1)
	nd.last[i].Store(now.UnixNano())
}

// ReasonDrops is one reason's count for a NAS.
type ReasonDrops struct {
	Reason string
	// Total is since Since; LastHour and Last5Min count the minutes that
	// end with the current one (so up to a minute more than the window).
	Total, LastHour, Last5Min int64
	Last                      time.Time
}

// NASDrops is what was dropped from one NAS: the reasons with any drop.
type NASDrops struct {
	Reasons []ReasonDrops
	Last    time.Time
}

// Last5Min sums the reasons' drops in the last 5 minutes.
func (n NASDrops) Last5Min() int64 {
	var sum int64
	for _, r := range n.Reasons {
		sum += r.Last5Min
	}
	return sum
}

// NAS returns the drops of the NAS with ID id, as of now; ok is false
// when it had none since Since.
func (d *Drops) NAS(id string, now time.Time) (out NASDrops, ok bool) {
	if d == nil {
		return out, false
	}
	d.mu.RLock()
	nd := d.nas[id]
	d.mu.RUnlock()
	if nd == nil {
		return out, false
	}
	m := now.Unix() / 60
	for i, reason := range NASDropReasons {
		total := nd.total[i].Load()
		if total == 0 {
			continue
		}
		r := ReasonDrops{Reason: reason, Total: total, Last: time.Unix(0, nd.last[i].Load())}
		for k := range nd.ring {
			s := &nd.ring[k]
			switch age := m - s.minute.Load(); {
			case age < 0 || age >= slots:
			case age < 5:
				r.Last5Min += s.n[i].Load()
				fallthrough
			default:
				r.LastHour += s.n[i].Load()
			}
		}
		out.Reasons = append(out.Reasons, r)
		if r.Last.After(out.Last) {
			out.Last = r.Last
		}
	}
	return out, len(out.Reasons) > 0
}

// UnknownSource is an address that sent packets while matching no NAS.
type UnknownSource struct {
	Addr netip.Addr
	// Packets is an upper bound: when the list is full a new address
	// takes the place of the quietest and starts from its count, which
	// Inherited says (Space-Saving, Metwally et al. 2005). Any address
	// that sent more than 1/16 of all unknown packets is listed.
	Packets, Inherited int64
	First, Last        time.Time
}

// unknownTop keeps the busiest unknown sources in a fixed array.
type unknownTop struct {
	mu    sync.Mutex
	n     int
	e     [topUnknown]UnknownSource
	total atomic.Int64
}

// unknownDrop counts a packet from an address that matches no NAS.
func (d *Drops) unknownDrop(a netip.Addr, now time.Time) {
	if d == nil {
		return
	}
	u := &d.unknown
	u.total.Add(1)
	u.mu.Lock()
	defer u.mu.Unlock()
	low := 0
	for i := range u.e[:u.n] {
		if u.e[i].Addr == a {
			u.e[i].Packets++
			u.e[i].Last = now
			return
		}
		if u.e[i].Packets < u.e[low].Packets {
			low = i
		}
	}
	if u.n < topUnknown {
		u.e[u.n] = UnknownSource{Addr: a, Packets: 1, First: now, Last: now}
		u.n++
		return
	}
	old := u.e[low].Packets
	u.e[low] = UnknownSource{Addr: a, Packets: old + 1, Inherited: old, First: now, Last: now}
}

// Unknown returns the busiest unknown sources, most packets first, and
// the packets from unknown sources since Since.
func (d *Drops) Unknown() (top []UnknownSource, total int64) {
	if d == nil {
		return nil, 0
	}
	u := &d.unknown
	u.mu.Lock()
	top = slices.Clone(u.e[:u.n])
	u.mu.Unlock()
	slices.SortFunc(top, func(a, b UnknownSource) int {
		return cmp.Or(cmp.Compare(b.Packets, a.Packets), a.Addr.Compare(b.Addr))
	})
	return top, u.total.Load()
}
