package usage

import (
	"fmt"
	"sort"
	"time"

	"github.com/wifihk/wifihk/accounting"
	"github.com/wifihk/wifihk/internal/store"
)

// event is a session opening (+1) or closing (-1) at a venue.
type event struct {
	venue string
	at    time.Time
	n     int64
}

// Replay folds whole session records into a, as if each had been
// observed from its start: contributions first, then the openings and
// closings in time order (closings first at the same instant).
func (a *Aggregator) Replay(sessions []accounting.Session) {
	a.mu.Lock()
	defer a.mu.Unlock()
	var evs []event
	for i := range sessions {
		s := &sessions[i]
		a.contribute(s)
		switch {
		case s.Open:
			evs = append(evs, event{s.Venue, s.Started, 1})
		case s.Stopped.After(s.Started): // a session of no length is never open
			evs = append(evs, event{s.Venue, s.Started, 1}, event{s.Venue, s.Stopped, -1})
		}
	}
	sort.SliceStable(evs, func(i, j int) bool {
		if !evs[i].at.Equal(evs[j].at) {
			return evs[i].at.Before(evs[j].at)
		}
		return evs[i].n < evs[j].n
	})
	for _, e := range evs {
		a.move(a.scopesOf(e.venue), e.at, e.n)
	}
}

// Rebuild recomputes the session figures of every stored hour from the
// accounting records: it clears them (keeping the agents' figures, which
// accounting cannot give back, and the published days, which never
// change), then replays sessions and flushes. It returns the cells written.
func Rebuild(db *store.DB, sessions []accounting.Session, places Places, pseudonymKey []byte, now time.Time) (int, error) {
	if err := clearSessions(db); err != nil {
		return 0, err
	}
	a := NewAggregator(places, pseudonymKey)
	a.Replay(sessions)
	return Flush(db, a, now)
}

// clearSessions zeroes the session figures of every cell (hours and
// venue days) and removes the sketches, in batches.
func clearSessions(db *store.DB) error {
	for _, prefix := range []string{"k/", "kd/", "h/", oldDayPrefix, "do/"} {
		from := prefix
		for {
			var keys []string
			var kept []any // nil: delete
			err := db.View(func(tx *store.Tx) error {
				return tx.ScanRawFrom(store.Usage, prefix, from, func(k, raw []byte) (bool, error) {
					v, err := agentsOnly(prefix, raw)
					if err != nil {
						return false, fmt.Errorf("%w: usage: %q: %w", store.ErrDamagedRecord, k, err)
					}
					keys = append(keys, string(k))
					kept = append(kept, v)
					return len(keys) < flushBatch, nil
				})
			})
			if err != nil {
				return fmt.Errorf("usage: rebuild: %w", err)
			}
			if len(keys) == 0 {
				break
			}
			err = db.Update(func(tx *store.Tx) error {
				for i, k := range keys {
					if kept[i] == nil {
						if err := tx.Delete(store.Usage, k); err != nil {
							return err
						}
					} else if err := tx.Put(store.Usage, k, kept[i]); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				return fmt.Errorf("usage: rebuild: %w", err)
			}
			from = keys[len(keys)-1] + "\x00"
		}
	}
	return nil
}

// agentsOnly is the record raw under prefix with only the agents'
// figures, which accounting cannot give back; nil when nothing is left.
func agentsOnly(prefix string, raw []byte) (any, error) {
	agents := func(c *Cell) Cell {
		return Cell{APReports: c.APReports, ClientsSum: c.ClientsSum, ClientsMax: c.ClientsMax}
	}
	switch prefix {
	case "k/", "kd/":
		return nil, nil
	case "do/":
		b, err := unquoteOrgDay(raw, nil)
		if err != nil {
			return nil, err
		}
		var vs []venueFigures
		err = walkOrgDay(b, func(rest []byte, c *Cell) {
			if c.APReports != 0 {
				vs = append(vs, venueFigures{string(rest), agents(c)})
			}
		})
		if err != nil || len(vs) == 0 {
			return nil, err
		}
		return encodeOrgDay(vs), nil
	}
	var c storedCell
	if err := c.UnmarshalJSON(raw); err != nil {
		return nil, err
	}
	if c.APReports == 0 {
		return nil, nil
	}
	kept := storedCell(agents((*Cell)(&c)))
	return &kept, nil
}
