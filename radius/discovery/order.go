package discovery

import (
	"cmp"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strings"

	"github.com/miekg/dns"
)

// target is a host that serves the realm, with its rank: the NAPTR
// record's place, then the SRV priority and weight.
type target struct {
	name             string
	port             uint16
	rank             int // index of its NAPTR record in order
	priority, weight uint16
	addrs            []netip.Addr
}

// selectNAPTR keeps the NAPTR records of an S-NAPTR service (RFC 3958
// §2.2): service field SERVICE:PROTOCOL[:PROTOCOL…] naming ours, flag
// "s" (SRV) or "a" (host), no regular expression, a replacement other
// than "."; and orders them by order, then preference.
func selectNAPTR(rrs []dns.RR, service string) []*dns.NAPTR {
	want, proto, _ := strings.Cut(strings.ToLower(service), ":")
	var out []*dns.NAPTR
	for _, rr := range rrs {
		n, ok := rr.(*dns.NAPTR)
		if !ok || n.Regexp != "" || hostName(n.Replacement) == "" {
			continue
		}
		if !strings.EqualFold(n.Flags, "s") && !strings.EqualFold(n.Flags, "a") {
			continue
		}
		parts := strings.Split(strings.ToLower(n.Service), ":")
		if parts[0] != want || !slices.Contains(parts[1:], proto) {
			continue
		}
		out = append(out, n)
	}
	slices.SortStableFunc(out, func(a, b *dns.NAPTR) int {
		return cmp.Or(cmp.Compare(a.Order, b.Order), cmp.Compare(a.Preference, b.Preference))
	})
	return out
}

// srvTargets turns SRV records into targets of NAPTR rank, sorted by
// priority; a target of "." means no service there (RFC 2782) and is
// left out, as is port 0.
func srvTargets(rrs []dns.RR, rank int) []target {
	var out []target
	for _, rr := range rrs {
		s, ok := rr.(*dns.SRV)
		if !ok || hostName(s.Target) == "" || s.Port == 0 {
			continue
		}
		out = append(out, target{name: hostName(s.Target), port: s.Port, rank: rank, priority: s.Priority, weight: s.Weight})
	}
	slices.SortStableFunc(out, func(a, b target) int { return cmp.Compare(a.priority, b.priority) })
	return out
}

// orderTargets returns ts (sorted by rank and priority) with each run of
// equal rank and priority put in a weighted random order (RFC 2782):
// a target of weight w goes first with chance w / (sum of weights), and
// weight 0 only when the others are taken unless all weigh 0.
func orderTargets(ts []target, intn func(int) int) []target {
	ts = slices.Clone(ts)
	slices.SortStableFunc(ts, func(a, b target) int {
		return cmp.Or(cmp.Compare(a.rank, b.rank), cmp.Compare(a.priority, b.priority))
	})
	for i := 0; i < len(ts); {
		j := i + 1
		for j < len(ts) && ts[j].rank == ts[i].rank && ts[j].priority == ts[i].priority {
			j++
		}
		weighted(ts[i:j], intn)
		i = j
	}
	return ts
}

// weighted orders g in place by RFC 2782's selection: zero weights
// first in the running sum, a random number in [0, sum], the first
// target whose running sum reaches it goes next.
func weighted(g []target, intn func(int) int) {
	slices.SortStableFunc(g, func(a, b target) int { return cmp.Compare(min(a.weight, 1), min(b.weight, 1)) })
	for k := range g {
		sum := 0
		for _, t := range g[k:] {
			sum += int(t.weight)
		}
		pick, run := intn(sum+1), 0
		for m := k; m < len(g); m++ {
			run += int(g[m].weight)
			if run >= pick {
				g[k], g[m] = g[m], g[k]
				break
			}
		}
		// Keep the zero weights first among those left.
		slices.SortStableFunc(g[k+1:], func(a, b target) int { return cmp.Compare(min(a.weight, 1), min(b.weight, 1)) })
	}
}

func randIntn(n int) int { return rand.IntN(n) }
