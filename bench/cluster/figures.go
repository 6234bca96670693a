package cluster

import (
	"fmt"
	"slices"
	"time"
)

// AuthFigures are the Access-Requests as the gateways saw them.
type AuthFigures struct {
	Requests int `json:"requests"`
	Answered int `json:"answered"`
	// FailedOver were answered by the second server after the first
	// did not answer within the NAS timeout.
	FailedOver int `json:"failed_over"`
	// Unanswered, outside the database failover, went unanswered by both
	// servers of a gateway in turn: the cluster, not one node, was away.
	Unanswered int `json:"unanswered_outside_failover"`
	// MaxWait and P99Wait are from first send to answer, outside the
	// database failover; FailoverMaxWait of the requests that overlap it.
	MaxWait         time.Duration `json:"max_wait_ns"`
	P99Wait         time.Duration `json:"p99_wait_ns"`
	FailoverMaxWait time.Duration `json:"failover_max_wait_ns,omitempty"`
	// LongestGap is the longest time no gateway got an answer at all;
	// LongestGapOutside the same outside the database failover.
	LongestGap        time.Duration `json:"longest_gap_ns"`
	LongestGapOutside time.Duration `json:"longest_gap_outside_failover_ns"`
	// Examples are the first few requests unanswered by both servers.
	Examples []string `json:"examples,omitempty"`
}

// authFigures sums up the ledger's Access-Requests; window is when the
// primary was killed and the replica promoted (zero: no failover).
func authFigures(l *ledger, start time.Time, window [2]time.Time) AuthFigures {
	l.mu.Lock()
	xs := slices.Clone(l.auths)
	l.mu.Unlock()
	overlaps := func(from, to time.Time) bool {
		return !window[0].IsZero() && from.Before(window[1]) && to.After(window[0])
	}
	var f AuthFigures
	var waits []time.Duration
	var answers []time.Time
	for _, x := range xs {
		f.Requests++
		during := overlaps(x.start, x.end)
		if (!x.answered || x.timeouts >= 2) && !during {
			f.Unanswered++
			if len(f.Examples) < 5 {
				f.Examples = append(f.Examples, fmt.Sprintf("sent at %v, %d sends unanswered, answered by %q after %v",
					x.start.Sub(start).Round(time.Millisecond), x.timeouts, x.by, x.end.Sub(x.start).Round(time.Millisecond)))
			}
		}
		if !x.answered {
			continue
		}
		f.Answered++
		answers = append(answers, x.end)
		if x.timeouts > 0 {
			f.FailedOver++
		}
		if w := x.end.Sub(x.start); during {
			f.FailoverMaxWait = max(f.FailoverMaxWait, w)
		} else {
			waits = append(waits, w)
		}
	}
	slices.Sort(waits)
	if len(waits) > 0 {
		f.MaxWait, f.P99Wait = waits[len(waits)-1], waits[min(len(waits)-1, len(waits)*99/100)]
	}
	slices.SortFunc(answers, func(a, b time.Time) int { return a.Compare(b) })
	for i := 1; i < len(answers); i++ {
		gap := answers[i].Sub(answers[i-1])
		f.LongestGap = max(f.LongestGap, gap)
		if !overlaps(answers[i-1], answers[i]) {
			f.LongestGapOutside = max(f.LongestGapOutside, gap)
		}
	}
	return f
}

// judge lists what in res breaks the soak's promises.
func judge(res Result) []string {
	c := res.Check
	var out []string
	for _, v := range []struct {
		n    int
		what string
	}{
		{c.AcctLost, "acknowledged accounting packets lost"},
		{c.ReportsLost, "acknowledged agent reports lost"},
		{c.AcctTwice, "accounting sessions stored twice"},
		{c.ReportsTwice, "agent reports counted twice"},
		{c.SimUseOver, "Access-Accepts beyond Simultaneous-Use"},
		{c.AllowanceOver, "devices over their daily allowance"},
		{res.Auth.Unanswered, "Access-Requests unanswered by both servers outside the database failover"},
	} {
		if v.n > 0 {
			out = append(out, fmt.Sprintf("%d %s", v.n, v.what))
		}
	}
	if c.AcctAcked == 0 || c.ReportsAcked == 0 || c.PassesAccepted == 0 {
		out = append(out, "the load did not run: nothing acknowledged")
	}
	return out
}

// String is the soak's report.
func (r Result) String() string {
	a, c := r.Auth, r.Check
	ms := func(d time.Duration) string { return d.Round(time.Millisecond).String() }
	s := fmt.Sprintf("soak of %v: %d node kills", r.Duration, len(r.Kills))
	for _, k := range r.Kills {
		s += fmt.Sprintf(" [%s at %s, down %s]", k.Node, ms(k.At), ms(k.Down))
	}
	if r.Promotion > 0 {
		s += fmt.Sprintf("; primary killed, replica promoted in %s", ms(r.Promotion))
	}
	s += fmt.Sprintf("\nauth: %d Access-Requests, %d answered, %d after a failover to the second server (NAS timeout %s); "+
		"wait max %s p99 %s outside the database failover, max %s overlapping it; "+
		"longest time with no answer anywhere %s (%s outside the database failover); %d unanswered by both servers outside it\n",
		a.Requests, a.Answered, a.FailedOver, ms(r.NASTimeout), ms(a.MaxWait), ms(a.P99Wait), ms(a.FailoverMaxWait),
		ms(a.LongestGap), ms(a.LongestGapOutside), a.Unanswered)
	s += fmt.Sprintf("accounting: %d packets acknowledged in %d sessions: %d lost, %d sessions stored twice\n",
		c.AcctAcked, c.Sessions, c.AcctLost, c.AcctTwice)
	s += fmt.Sprintf("agent reports: %d acknowledged: %d lost, %d counted twice\n", c.ReportsAcked, c.ReportsLost, c.ReportsTwice)
	s += fmt.Sprintf("Simultaneous-Use: %d Access-Accepts beyond it, %d within the %s window of a Start not yet announced\n",
		c.SimUseOver, c.SimUseInWindow, "documented")
	s += fmt.Sprintf("free passes: %d presented, %d accepted; %d devices over their allowance; %d counted without an Access-Accept reaching the NAS\n",
		c.Passes, c.PassesAccepted, c.AllowanceOver, c.PassesCountedUnanswered)
	for _, e := range append(slices.Clone(a.Examples), c.Examples...) {
		s += "  e.g. " + e + "\n"
	}
	for _, f := range r.Failures {
		s += "FAILED: " + f + "\n"
	}
	return s
}
