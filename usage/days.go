package usage

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/wifihk/wifihk/internal/store"
)

// Venue days: besides its hours, each venue has one cell per Hong Kong
// day, "dv/" DATE NUL VENUE, kept by Flush from the same deltas. Keyed by
// date first, so that ranking a city's 50,000 venues over a week reads
// 7 × 50,000 neighbouring records instead of seeking to each venue's
// hours, and an organisation's venues of a day are one range
// ("dv/" DATE NUL ORG "/"). Devices is not kept (a day's distinct
// devices would need a sketch per venue-day); Peak and ClientsMax are the
// day's largest hourly figures.

func dayKey(date, venue string) string { return "dv/" + date + "\x00" + venue }

// dayOf is the Hong Kong date of hour h.
func dayOf(h time.Time) string { return h.In(HongKong).Format(dateLayout) }

// dayDeltas sums the venue scopes' hour deltas into venue-day deltas.
func dayDeltas(ds map[key]*delta, names []Scope) map[string]*Cell {
	out := map[string]*Cell{}
	for k, d := range ds {
		venue, ok := strings.CutPrefix(string(names[k.scope]), "v:")
		if !ok {
			continue
		}
		dk := dayKey(dayOf(time.Unix(k.hour, 0)), venue)
		c := out[dk]
		if c == nil {
			c = &Cell{}
			out[dk] = c
		}
		c.add(&d.Cell)
	}
	return out
}

// flushDays adds the venue-day deltas to the store, in key order and
// batches.
func flushDays(db *store.DB, days map[string]*Cell) error {
	keys := make([]string, 0, len(days))
	for k := range days {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for i := 0; i < len(keys); i += flushBatch {
		err := db.Update(func(tx *store.Tx) error {
			for _, k := range keys[i:min(i+flushBatch, len(keys))] {
				var c storedCell
				if err := tx.Get(store.Usage, k, &c); err != nil && !errors.Is(err, store.ErrNotFound) {
					return err
				}
				(*Cell)(&c).add(days[k])
				if err := tx.Put(store.Usage, k, &c); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("usage: flush days: %w", err)
		}
	}
	return nil
}

// VenueDays sums the venue-day cells of the Hong Kong dates from first to
// last (inclusive) by venue ("org/location"): every venue's, or org's
// only when org is not empty.
func VenueDays(tx *store.Tx, org string, first, last time.Time) (map[string]*Cell, error) {
	out := map[string]*Cell{}
	if org != "" {
		org += "/"
	}
	for d := first.In(HongKong); !d.After(last.In(HongKong)); d = d.AddDate(0, 0, 1) {
		prefix := dayKey(d.Format(dateLayout), org)
		err := tx.ScanRawFrom(store.Usage, prefix, prefix, func(k, raw []byte) (bool, error) {
			var c storedCell
			if err := c.UnmarshalJSON(raw); err != nil {
				return false, fmt.Errorf("%w: usage: %q: %w", store.ErrDamagedRecord, k, err)
			}
			venue := k[len(prefix)-len(org):]
			if sum := out[string(venue)]; sum != nil { // no copy of the key to look up
				sum.add((*Cell)(&c))
			} else {
				out[string(venue)] = (*Cell)(&c)
			}
			return true, nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// purgeDays removes the venue-day cells of dates before the Hong Kong
// date of before, in batches.
func purgeDays(db *store.DB, before time.Time) (int, error) {
	end := dayKey(before.In(HongKong).Format(dateLayout), "")
	return deleteBatches(db, "dv/", func(k string) (remove, more bool) {
		return k < end, k < end
	})
}
