package discovery

import (
	"slices"
	"testing"

	"github.com/miekg/dns"
)

func names(ts []target) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.name)
	}
	return out
}

// RFC 2782's weighted choice, with the random number given: zero
// weights first in the running sum, the first target whose running sum
// reaches the number goes next.
func TestOrderTargetsWeighted(t *testing.T) {
	group := []target{{name: "w90", weight: 90}, {name: "w0", weight: 0}, {name: "w10", weight: 10}}
	for _, tc := range []struct {
		picks []int
		want  []string
	}{
		// The running sum is w0 0, w90 90, w10 100.
		{[]int{0, 0, 0}, []string{"w0", "w90", "w10"}},
		{[]int{95, 0, 0}, []string{"w10", "w0", "w90"}},
		{[]int{50, 0, 0}, []string{"w90", "w0", "w10"}},
		{[]int{100, 10, 0}, []string{"w10", "w90", "w0"}},
	} {
		i := 0
		intn := func(n int) int { p := tc.picks[i]; i++; return min(p, n-1) }
		if got := names(orderTargets(group, intn)); !slices.Equal(got, tc.want) {
			t.Errorf("picks %v: %v, want %v", tc.picks, got, tc.want)
		}
	}
}

// Priority and NAPTR rank come before weight.
func TestOrderTargetsPriorityFirst(t *testing.T) {
	ts := []target{
		{name: "rank1", rank: 1, priority: 0, weight: 100},
		{name: "p20", priority: 20, weight: 100},
		{name: "p10b", priority: 10, weight: 1},
		{name: "p10a", priority: 10, weight: 1000},
	}
	got := names(orderTargets(ts, func(n int) int { return n - 1 }))
	if !slices.Equal(got[2:], []string{"p20", "rank1"}) || !slices.Contains(got[:2], "p10a") {
		t.Fatalf("%v", got)
	}
}

func TestSelectNAPTR(t *testing.T) {
	rr := func(s string) dns.RR {
		r, err := dns.NewRR(s)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	got := selectNAPTR([]dns.RR{
		rr(`r.test. 60 IN NAPTR 20 10 "s" "aaa+auth:radius.tls.tcp" "" late.r.test.`),
		rr(`r.test. 60 IN NAPTR 10 20 "S" "AAA+AUTH:radius.dtls.udp:radius.tls.tcp" "" second.r.test.`),
		rr(`r.test. 60 IN NAPTR 10 10 "a" "aaa+auth:radius.tls.tcp" "" first.r.test.`),
		rr(`r.test. 60 IN NAPTR 1 1 "s" "aaa+acct:radius.tls.tcp" "" acct.r.test.`),
		rr(`r.test. 60 IN NAPTR 1 1 "s" "aaa+auth:radius.dtls.udp" "" dtls.r.test.`),
		rr(`r.test. 60 IN NAPTR 1 1 "u" "aaa+auth:radius.tls.tcp" "" u.r.test.`),
		rr(`r.test. 60 IN NAPTR 1 1 "s" "aaa+auth:radius.tls.tcp" "!^.*$!x!" regex.r.test.`),
		rr(`r.test. 60 IN NAPTR 1 1 "s" "aaa+auth:radius.tls.tcp" "" .`),
		rr(`r.test. 60 IN A 192.0.2.1`),
	}, Service)
	var reps []string
	for _, n := range got {
		reps = append(reps, n.Replacement)
	}
	if want := []string{"first.r.test.", "second.r.test.", "late.r.test."}; !slices.Equal(reps, want) {
		t.Fatalf("%v, want %v", reps, want)
	}
}

func TestSRVTargetsSkipDot(t *testing.T) {
	a, _ := dns.NewRR(`_s._tcp.r.test. 60 IN SRV 0 0 2083 .`)
	b, _ := dns.NewRR(`_s._tcp.r.test. 60 IN SRV 0 0 0 h.r.test.`)
	c, _ := dns.NewRR(`_s._tcp.r.test. 60 IN SRV 5 0 2083 H.R.test.`)
	if got := srvTargets([]dns.RR{a, b, c}, 0); len(got) != 1 || got[0].name != "h.r.test" {
		t.Fatalf("%+v", got)
	}
}

// Whatever a DNS answer holds, choosing from it never panics and what
// it keeps is in order.
func FuzzSelect(f *testing.F) {
	for _, s := range []string{
		`r.test. 60 IN NAPTR 10 10 "s" "aaa+auth:radius.tls.tcp" "" _radiustls._tcp.r.test.`,
		`_radiustls._tcp.r.test. 60 IN SRV 10 5 2083 h.r.test.`,
		`r.test. 60 IN NAPTR 10 10 "a" "aaa+auth" "" h.r.test.`,
	} {
		rr, _ := dns.NewRR(s)
		m := new(dns.Msg)
		m.SetQuestion("r.test.", dns.TypeNAPTR)
		m.Answer = []dns.RR{rr, rr}
		b, _ := m.Pack()
		f.Add(b)
	}
	f.Add([]byte{0, 1, 2})
	f.Fuzz(func(t *testing.T, b []byte) {
		m := new(dns.Msg)
		if m.Unpack(b) != nil {
			return
		}
		ns := selectNAPTR(m.Answer, Service)
		for i := 1; i < len(ns); i++ {
			if ns[i].Order < ns[i-1].Order || ns[i].Order == ns[i-1].Order && ns[i].Preference < ns[i-1].Preference {
				t.Fatal("NAPTR records out of order")
			}
		}
		ts := orderTargets(srvTargets(m.Answer, 0), randIntn)
		for i := 1; i < len(ts); i++ {
			if ts[i].priority < ts[i-1].priority {
				t.Fatal("SRV targets out of priority order")
			}
		}
	})
}
