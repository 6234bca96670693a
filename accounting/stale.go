package accounting

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/wifihk/wifihk/internal/store"
)

// StaleCause is the Acct-Terminate-Cause recorded on a session that wifihk
// closed because its NAS stopped sending accounting for it (RFC 2866
// value 3, what FreeRADIUS sites write when they close stale sessions).
// Such a session also has Stale set.
const StaleCause = "Lost-Service"

// StaleRule says when an open session is stale.
type StaleRule struct {
	// Multiple is how many of the session's interim intervals may pass
	// without accounting. Default 3, the count Simultaneous-Use ignores.
	Multiple int
	// Interim returns the interim interval the session was given (by its
	// plan); nil or 0 means none.
	Interim func(Session) time.Duration
	// Fallback is the silence after which a session with no interim
	// interval is stale. Default 24h.
	Fallback time.Duration
}

// after is how long ss may stay silent.
func (r StaleRule) after(ss Session) time.Duration {
	var every time.Duration
	if r.Interim != nil {
		every = r.Interim(ss)
	}
	if every <= 0 {
		return orDefault(r.Fallback, 24*time.Hour)
	}
	return time.Duration(orDefault(r.Multiple, 3)) * every
}

// orDefault returns v, or def when v is zero.
func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// Plan is the plan name in the session's Class ("whk1:GRANT:PLAN"), or "".
func (s Session) Plan() string {
	if rest, ok := strings.CutPrefix(s.Class, "whk1:"); ok {
		if _, plan, ok := strings.Cut(rest, ":"); ok {
			return plan
		}
	}
	return ""
}

// reopen reopens a session closed as stale when its NAS speaks again: an
// Interim-Update or Start newer than the last accounting before the close,
// or a Stop, whose time and cause then replace the guessed ones. It
// reports whether it reopened ss.
func reopen(ss *Session, u Update) bool {
	if ss.Open || !ss.Stale {
		return false
	}
	if u.Status != Stop && !((u.Status == Interim || u.Status == Start) && u.At.After(ss.Stopped)) {
		return false
	}
	ss.Open, ss.Stale, ss.Stopped, ss.TerminateCause = true, false, time.Time{}, ""
	return true
}

// StaleCounts are the stale sessions closed and reopened since the Store
// opened, for metrics.
type StaleCounts struct{ Closed, Reopened uint64 }

type staleCounters struct{ closed, reopened atomic.Uint64 }

// Stale returns the counts of sessions closed as stale and reopened.
func (s *Store) Stale() StaleCounts {
	return StaleCounts{Closed: s.stale.closed.Load(), Reopened: s.stale.reopened.Load()}
}

// staleChunk is how many open sessions one read transaction examines, so
// that no reader holds bbolt's file mapping for long.
const staleChunk = 1000

// staleBatch is how many sessions one commit closes.
const staleBatch = 500

// CloseStale closes the open sessions that rule finds stale at now, with
// cause StaleCause and their last accounting as their stop time, at most
// staleBatch per commit, and returns how many it closed. It walks the
// open-session index in short read transactions; each commit checks
// again, so a session that spoke meanwhile stays open.
func (s *Store) CloseStale(ctx context.Context, rule StaleRule, now time.Time) (int, error) {
	total, from := 0, ""
	s.readBarrier()
	for {
		var keys []string
		more := false
		err := s.db.View(func(tx *store.Tx) error {
			seen := 0
			return scanOpen(tx, from, func(key string, ss Session) (bool, error) {
				if seen == staleChunk || len(keys) == staleBatch {
					from, more = "n/"+strings.TrimPrefix(key, "s/"), true
					return false, nil
				}
				seen++
				if ss.Open && now.Sub(ss.Updated) > rule.after(ss) {
					keys = append(keys, key)
				}
				return true, nil
			})
		})
		if err != nil {
			return total, fmt.Errorf("sessions: stale: %w", err)
		}
		if len(keys) > 0 {
			n, err := s.closeStale(keys, rule, now)
			total += n
			if err != nil {
				return total, err
			}
		}
		if !more || ctx.Err() != nil {
			return total, ctx.Err()
		}
	}
}

// closeStale closes those of keys that are still open and stale at now.
func (s *Store) closeStale(keys []string, rule StaleRule, now time.Time) (int, error) {
	p := &pending{job: func(w *writer) (int, error) {
		n := 0
		for _, k := range keys {
			ss, err := w.get(k)
			if errors.Is(err, store.ErrNotFound) {
				continue
			}
			if err != nil {
				return 0, err
			}
			if !ss.Open || now.Sub(ss.Updated) <= rule.after(ss) {
				continue
			}
			before := ss
			ss.Open, ss.Stale, ss.Stopped, ss.TerminateCause = false, true, ss.Updated, StaleCause
			if err := w.put(k, ss); err != nil {
				return 0, err
			}
			w.noteChange(&before, ss)
			unindex(w, ss)
			n++
		}
		return n, nil
	}}
	if err := s.run(p); err != nil {
		return 0, err
	}
	if p.err == nil {
		s.stale.closed.Add(uint64(p.n))
	}
	return p.n, p.err
}

// OpenAndStale returns the open sessions and those closed as stale whose
// last accounting came after since, in key order: what the console's
// sessions page shows. It reads the open-session index and the closed
// sessions stopped since since (a stale close stops a session at its
// last accounting), not every session kept.
func (s *Store) OpenAndStale(since time.Time) ([]Session, error) {
	var out []Session
	s.readBarrier()
	err := s.db.View(func(tx *store.Tx) (err error) {
		if !tx.Has(store.Sessions, indexedKey) { // closed sessions not indexed yet
			out, err = store.List(tx, store.Sessions, store.Query[Session]{Prefix: "s/",
				Keep: func(ss *Session) bool { return ss.Open || ss.Stale && ss.Updated.After(since) }})
			return err
		}
		err = scanOpen(tx, "", func(_ string, ss Session) (bool, error) {
			if ss.Open {
				out = append(out, ss)
			}
			return true, nil
		})
		if err != nil {
			return err
		}
		return scanClosed(tx, "c/"+since.UTC().Format(stampLayout), func(_ string, ss Session, current bool) (bool, error) {
			if current && ss.Stale && ss.Updated.After(since) {
				out = append(out, ss)
			}
			return true, nil
		})
	})
	slices.SortFunc(out, func(a, b Session) int { // key order, without building keys
		return cmp.Or(strings.Compare(a.NAS, b.NAS), strings.Compare(storedID(a), storedID(b)))
	})
	return out, err
}
