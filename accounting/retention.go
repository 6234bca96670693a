package accounting

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/wifihk/wifihk/internal/store"
)

// Retention removes closed sessions once they are older than the
// operator keeps them. Every closed session has a key in the sessions
// bucket that orders it by stop time,
//
//	"c/" STOPPED NUL NAS NUL ACCT-SESSION-ID
//
// written with the session record (writer.put). A session closed again
// after a stale close gets a second key; the first then points at a
// session that no longer matches it and is dropped when reached. Stores
// from before this index get it from indexClosed, once.

// stampLayout is fixed-width, so keys sort by time.
const stampLayout = "2006-01-02T15:04:05.000000000Z"

func closedKey(ss Session) string {
	return "c/" + ss.Stopped.UTC().Format(stampLayout) + "\x00" + ss.NAS + "\x00" + storedID(ss)
}

// storedID is the id ss is stored under: its Acct-Session-Id, or
// "ID~N" for a session moved aside when its NAS reused the id (reuse.go).
func storedID(ss Session) string {
	if id, ok := strings.CutPrefix(ss.ID, ss.NAS+"/"); ok && id != "" {
		return id
	}
	return ss.AcctID
}

// indexedKey marks a store whose closed sessions all have their key.
const indexedKey = "r/closed-indexed"

// restFactor is how many times a batch's own duration the purge rests
// after it.
const restFactor = 4

// While accounting packets keep arriving, a purge also waits for a pause
// of quietGap in them before its next batch, for up to its Yield (default
// defaultYield): under constant load it then removes one batch a Yield
// (at the default 100 a batch, 67 sessions a second, 5.8 million a day)
// and leaves RADIUS's latency alone; in quiet hours it goes at the speed
// its rest allows.
const (
	quietGap     = 100 * time.Millisecond
	defaultYield = 1500 * time.Millisecond
)

// PurgeOptions say which closed sessions PurgeClosed removes and how.
type PurgeOptions struct {
	// Before removes the sessions closed before this time.
	Before time.Time
	// Batch is how many sessions one commit removes. Default 100.
	Batch int
	// Pause is the least rest between batches. Whatever it is, a batch
	// is followed by restFactor times the time it took, so a purge takes
	// at most a fifth of the machine from RADIUS and the portal.
	Pause time.Duration
	// Yield is the longest a batch waits for a pause in accounting
	// packets. Default 1.5 s.
	Yield time.Duration
	// NoRest drops the rest tied to a batch's cost and the wait for a
	// pause, for a purge on a machine that serves nothing else meanwhile.
	NoRest bool
	// Archive, when set, keeps a batch durably before it is removed; an
	// error stops the purge and removes nothing more.
	Archive func([]Session) error
}

// rest is how long to rest after a batch that took took.
func (opt PurgeOptions) rest(took time.Duration) time.Duration {
	if opt.NoRest {
		return opt.Pause
	}
	return max(opt.Pause, restFactor*took)
}

// PurgeClosed removes the sessions closed before opt.Before, oldest first,
// in batches that each go through the group commit like any accounting
// packet, and returns how many it removed. A session is removed only if
// it is still exactly what was archived: one that changed meanwhile is
// left for the next run (and archived again then).
func (s *Store) PurgeClosed(ctx context.Context, opt PurgeOptions) (int, error) {
	if err := s.indexClosed(ctx); err != nil {
		return 0, err
	}
	s.readBarrier() // what is journaled is in bbolt; the cursor then moves on
	batch := orDefault(opt.Batch, 100)
	end := "c/" + opt.Before.UTC().Format(stampLayout)
	total, from := 0, "c/"
	for ctx.Err() == nil {
		t0 := time.Now()
		old, dangling, next, err := s.closedBefore(from, end, batch)
		if err != nil {
			return total, err
		}
		if len(old) > 0 && opt.Archive != nil {
			if err := opt.Archive(old); err != nil {
				return total, fmt.Errorf("sessions: archive: %w", err)
			}
		}
		n, err := s.remove(old, dangling)
		total += n
		if err != nil || next == "" {
			return total, err
		}
		from = next
		select {
		case <-ctx.Done():
		case <-time.After(opt.rest(time.Since(t0))):
		}
		if !opt.NoRest {
			s.yieldToPackets(ctx, orDefault(opt.Yield, defaultYield))
		}
	}
	return total, ctx.Err()
}

// yieldToPackets waits until no accounting packet has arrived for
// quietGap, or for at most yield.
func (s *Store) yieldToPackets(ctx context.Context, yield time.Duration) {
	deadline := time.Now().Add(yield)
	for ctx.Err() == nil {
		since := time.Since(time.Unix(0, s.lastPacket.Load()))
		left := time.Until(deadline)
		if since >= quietGap || left <= 0 {
			return
		}
		select {
		case <-ctx.Done():
		case <-time.After(min(quietGap-since, left)):
		}
	}
}

// closedBefore reads up to batch closed-index keys in [from, end): the
// sessions they point at, and the keys that point at nothing current.
// next is where to go on, "" at the end.
func (s *Store) closedBefore(from, end string, batch int) (old []Session, dangling []string, next string, err error) {
	err = s.db.View(func(tx *store.Tx) error {
		return scanClosed(tx, from, func(k string, ss Session, current bool) (bool, error) {
			if k >= end {
				return false, nil
			}
			if len(old)+len(dangling) == batch {
				next = k
				return false, nil
			}
			if current {
				old = append(old, ss)
			} else {
				dangling = append(dangling, k)
			}
			return true, nil
		})
	})
	if err != nil {
		err = fmt.Errorf("sessions: retention: %w", err)
	}
	return old, dangling, next, err
}

// scanClosed calls fn for each closed-index key from from on, in stop
// time order, with the session it points at and whether that session is
// current: there, closed, and stopped when the key says.
func scanClosed(tx *store.Tx, from string, fn func(k string, ss Session, current bool) (bool, error)) error {
	return tx.ScanFrom(store.Sessions, "c/", from, func(k string, _ func(any) error) (bool, error) {
		nas, id, _ := strings.Cut(k[len("c/")+len(stampLayout)+1:], "\x00")
		var ss Session
		err := tx.Get(store.Sessions, sessKey(nas, id), &ss)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return false, err
		}
		return fn(k, ss, err == nil && !ss.Open && closedKey(ss) == k)
	})
}

// remove deletes, in one commit, the sessions of old that are unchanged
// and the index keys of dangling that still point at nothing current.
func (s *Store) remove(old []Session, dangling []string) (int, error) {
	if len(old) == 0 && len(dangling) == 0 {
		return 0, nil
	}
	p := &pending{job: func(w *writer) (int, error) {
		n := 0
		for _, was := range old {
			k := sessKey(was.NAS, storedID(was))
			cur, err := w.get(k)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return 0, err
			}
			if err == nil && !same(cur, was) {
				continue
			}
			w.unindexKey(closedKey(was))
			if err == nil {
				w.unindexKey(k)
				n++
			}
		}
		for _, ck := range dangling {
			nas, id, _ := strings.Cut(ck[len("c/")+len(stampLayout)+1:], "\x00")
			cur, err := w.get(sessKey(nas, id))
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return 0, err
			}
			if err != nil || cur.Open || closedKey(cur) != ck {
				w.unindexKey(ck)
			}
		}
		return n, nil
	}}
	if err := s.run(p); err != nil {
		return 0, err
	}
	return p.n, p.err
}

// same reports whether two session records are identical.
func same(a, b Session) bool {
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && bytes.Equal(ja, jb)
}

// markNewIndexed marks a store with no sessions yet as indexed: every
// session this code closes gets its closed-index key as it is written.
// A store with sessions and no mark waits for indexClosed.
func (s *Store) markNewIndexed() error {
	fresh := false
	err := s.db.View(func(tx *store.Tx) error {
		if tx.Has(store.Sessions, indexedKey) {
			return nil
		}
		fresh = true
		return tx.Scan(store.Sessions, "s/", func(string, func(any) error) (bool, error) {
			fresh = false
			return false, nil
		})
	})
	if err != nil || !fresh {
		return err
	}
	return s.run(&pending{job: func(w *writer) (int, error) {
		w.index(indexedKey)
		return 0, nil
	}})
}

// indexClosed gives the closed sessions of a store written before the
// closed index their keys, in short read transactions and small commits,
// then marks the store indexed.
func (s *Store) indexClosed(ctx context.Context) error {
	done := false
	s.readBarrier()
	if err := s.db.View(func(tx *store.Tx) error { done = tx.Has(store.Sessions, indexedKey); return nil }); err != nil || done {
		return err
	}
	from := "s/"
	for {
		var keys []string
		next := ""
		err := s.db.View(func(tx *store.Tx) error {
			seen := 0
			return tx.ScanFrom(store.Sessions, "s/", from, func(k string, dec func(any) error) (bool, error) {
				if seen == staleChunk {
					next = k
					return false, nil
				}
				seen++
				var ss Session
				if err := dec(&ss); err != nil {
					return false, err
				}
				if !ss.Open {
					keys = append(keys, closedKey(ss))
				}
				return true, nil
			})
		})
		if err != nil {
			return fmt.Errorf("sessions: retention: index: %w", err)
		}
		last := next == ""
		p := &pending{job: func(w *writer) (int, error) {
			for _, k := range keys {
				w.index(k)
			}
			if last {
				w.index(indexedKey)
			}
			return len(keys), nil
		}}
		if err := s.run(p); err != nil || p.err != nil || last {
			return errors.Join(err, p.err)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		from = next
	}
}
