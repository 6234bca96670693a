package cluster

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

// Check is what the end of the soak found in the database, measured
// against the load's ledger.
type Check struct {
	AcctAcked    int `json:"acct_acked"`    // accounting packets acknowledged
	ReportsAcked int `json:"reports_acked"` // agent reports acknowledged
	Sessions     int `json:"sessions"`      // sessions with a packet acknowledged
	// AcctLost and ReportsLost are acknowledged packets and reports the
	// database does not have.
	AcctLost    int `json:"acct_lost"`
	ReportsLost int `json:"reports_lost"`
	// AcctTwice counts sessions stored more than once; ReportsTwice,
	// reports counted more than once in the per-AP series or receipts.
	AcctTwice    int `json:"acct_twice"`
	ReportsTwice int `json:"reports_twice"`
	// SimUseOver counts Access-Accepts for an account that already had a
	// session acknowledged more than SimUseWindow before and not yet
	// stopped; SimUseInWindow those within the window (the documented
	// worst case: a Start not yet applied and announced).
	SimUseOver     int `json:"simultaneous_use_exceeded"`
	SimUseInWindow int `json:"simultaneous_use_in_window"`
	// Passes presented and accepted; AllowanceOver counts devices with
	// more sessions accepted or counted than the daily allowance.
	Passes         int `json:"passes"`
	PassesAccepted int `json:"passes_accepted"`
	AllowanceOver  int `json:"allowance_exceeded"`
	// PassesCountedUnanswered are passes counted against an allowance
	// whose Access-Accept never reached the NAS (a node died after its
	// commit, or a retry on another node was refused as used).
	PassesCountedUnanswered int `json:"passes_counted_unanswered"`
	// Examples name the first few shortfalls.
	Examples []string `json:"examples,omitempty"`
}

func (c *Check) example(format string, args ...any) {
	if len(c.Examples) < 8 {
		c.Examples = append(c.Examples, fmt.Sprintf(format, args...))
	}
}

// verify compares the database at url with the ledger.
func verify(ctx context.Context, url string, l *ledger, perDay int, window time.Duration) (Check, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return Check{}, err
	}
	defer conn.Close(ctx)
	l.mu.Lock()
	defer l.mu.Unlock()
	c := Check{AcctAcked: l.acct, ReportsAcked: l.agent}
	for _, step := range []func(context.Context, *pgx.Conn, *ledger, *Check) error{checkSessions, checkReports} {
		if err := step(ctx, conn, l, &c); err != nil {
			return c, err
		}
	}
	if err := checkAllowances(ctx, conn, l, perDay, &c); err != nil {
		return c, err
	}
	checkSimultaneous(l, window, &c)
	return c, nil
}

// checkSessions: every acknowledged packet's octets and every
// acknowledged Stop are in the session's one row.
func checkSessions(ctx context.Context, conn *pgx.Conn, l *ledger, c *Check) error {
	rows, _ := conn.Query(ctx, `SELECT acct_session_id, input_octets::text, open FROM wifihk_sessions WHERE id IS NOT NULL`)
	type row struct {
		octets uint64
		open   bool
		n      int
	}
	got := map[string]row{}
	var id, octets string
	var open bool
	_, err := pgx.ForEachRow(rows, []any{&id, &octets, &open}, func() error {
		r := got[id]
		r.octets, _ = strconv.ParseUint(octets, 10, 64)
		r.open, r.n = open, r.n+1
		got[id] = r
		return nil
	})
	if err != nil {
		return fmt.Errorf("cluster: reading sessions: %w", err)
	}
	for id, s := range l.sessions {
		if s.acked == 0 {
			continue
		}
		c.Sessions++
		r := got[id]
		if r.n > 1 {
			c.AcctTwice++
			c.example("session %s stored %d times", id, r.n)
		}
		if stored := r.octets / octetsPerPacket; stored < s.acked {
			c.AcctLost += int(s.acked - stored)
			c.example("session %s: %d packets acknowledged, %d stored", id, s.acked, stored)
		} else if s.stopped && r.open {
			c.AcctLost++
			c.example("session %s: Stop acknowledged, stored open", id)
		}
	}
	return nil
}

// checkReports: every acknowledged report has a receipt, and the AP's
// series counts each received report once.
func checkReports(ctx context.Context, conn *pgx.Conn, l *ledger, c *Check) error {
	type run struct{ lo, hi uint64 }
	runs := map[string][]run{}
	rows, _ := conn.Query(ctx, `SELECT ap, lo::text, hi::text FROM wifihk_reports`)
	var ap, lo, hi string
	if _, err := pgx.ForEachRow(rows, []any{&ap, &lo, &hi}, func() error {
		var r run
		r.lo, _ = strconv.ParseUint(lo, 10, 64)
		r.hi, _ = strconv.ParseUint(hi, 10, 64)
		runs[ap] = append(runs[ap], r)
		return nil
	}); err != nil {
		return fmt.Errorf("cluster: reading receipts: %w", err)
	}
	counted := map[string]uint64{}
	rows, _ = conn.Query(ctx, `SELECT subject, sum(reports)::text FROM wifihk_series WHERE kind = 'ap' GROUP BY subject`)
	var subject, sum string
	if _, err := pgx.ForEachRow(rows, []any{&subject, &sum}, func() error {
		counted[subject], _ = strconv.ParseUint(sum, 10, 64)
		return nil
	}); err != nil {
		return fmt.Errorf("cluster: reading series: %w", err)
	}
	for ap, acked := range l.reports {
		rs := runs[ap]
		slices.SortFunc(rs, func(a, b run) int { return int(a.lo) - int(b.lo) })
		var received, next uint64 = 0, 1 // next: the lowest sequence number not yet covered
		for _, r := range rs {
			if r.lo < next {
				c.ReportsTwice += int(min(r.hi, next-1) - r.lo + 1)
				c.example("AP %s: receipts overlap at %d", ap, r.lo)
			}
			if r.lo > next && next <= acked {
				c.ReportsLost += int(min(r.lo-1, acked) - next + 1)
				c.example("AP %s: reports %d-%d acknowledged, no receipt", ap, next, min(r.lo-1, acked))
			}
			received += r.hi - r.lo + 1
			next = max(next, r.hi+1)
		}
		if next <= acked {
			c.ReportsLost += int(acked - next + 1)
			c.example("AP %s: reports %d-%d acknowledged, no receipt", ap, next, acked)
		}
		switch n := counted[ap]; {
		case n > received:
			c.ReportsTwice += int(n - received)
			c.example("AP %s: %d reports received, %d counted in its series", ap, received, n)
		case n < received:
			c.ReportsLost += int(received - n)
			c.example("AP %s: %d reports received, %d counted in its series", ap, received, n)
		}
	}
	return nil
}

// checkAllowances: no device got or was counted more free sessions than
// its allowance, and each pass counted once.
func checkAllowances(ctx context.Context, conn *pgx.Conn, l *ledger, perDay int, c *Check) error {
	accepted := map[string]int{}
	for _, p := range l.passes {
		c.Passes++
		if p.accepted {
			c.PassesAccepted++
			accepted[p.mac]++
		}
	}
	used := map[string]int{}
	rows, _ := conn.Query(ctx, `SELECT mac, used, passes FROM wifihk_allowances`)
	var mac string
	var n int64
	var passes []byte
	if _, err := pgx.ForEachRow(rows, []any{&mac, &n, &passes}, func() error {
		used[mac] += int(n)
		var ps []string
		json.Unmarshal(passes, &ps)
		if len(ps) != len(slices.Compact(slices.Sorted(slices.Values(ps)))) {
			c.AllowanceOver++
			c.example("device %s: a pass counted twice", mac)
		}
		return nil
	}); err != nil {
		return fmt.Errorf("cluster: reading allowances: %w", err)
	}
	for mac, a := range accepted {
		if a > perDay || used[mac] > perDay {
			c.AllowanceOver++
			c.example("device %s: %d accepted, %d counted, allowance %d", mac, a, used[mac], perDay)
		}
	}
	for mac, u := range used {
		if u > accepted[mac] {
			c.PassesCountedUnanswered += u - accepted[mac]
			c.example("device %s: %d counted, %d accepted", mac, u, accepted[mac])
		}
	}
	return nil
}

// checkSimultaneous finds Access-Accepts for an account (Simultaneous-Use
// 1) given while another of its sessions was open: Start acknowledged,
// Stop not yet sent.
func checkSimultaneous(l *ledger, window time.Duration, c *Check) {
	byUser := map[string][]*session{}
	for _, s := range l.sessions {
		byUser[s.user] = append(byUser[s.user], s)
	}
	for user, ss := range byUser {
		for _, b := range ss {
			for _, a := range ss {
				if a == b || a.startAck.IsZero() || !a.startAck.Before(b.accepted) ||
					(!a.stopSent.IsZero() && !a.stopSent.After(b.accepted)) {
					continue
				}
				if b.accepted.Sub(a.startAck) > window {
					c.SimUseOver++
					c.example("account %s accepted %v after another session's Start was acknowledged", user,
						b.accepted.Sub(a.startAck).Round(time.Millisecond))
				} else {
					c.SimUseInWindow++
				}
			}
		}
	}
}
