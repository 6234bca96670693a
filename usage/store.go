package usage

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/wifihk/wifihk/internal/store"
)

// Key layout in the usage bucket (hours.go has the hours'):
//
//	"h/" DAY "/" SCOPE NUL HH  the hour's Cell (storedCell: a JSON array)
//	"k/" DAY "/" SCOPE NUL HH  its device sketch (HyperLogLog, binary)
//	"p/" DATE                  a published day (opendata.go)
//	"do/" KIND "/" DATE NUL ORG, "kd/" DATE NUL VENUE
//	                           venues' days, weeks and months (days.go)

// flushBatch is how many cells one transaction writes.
const flushBatch = 10_000

// Flush adds the aggregator's deltas to the store, carrying open sessions
// into the peaks up to now. On failure the deltas are lost: Rebuild
// restores them. Figures stored in an older layout move first.
func Flush(db *store.DB, a *Aggregator, now time.Time) (int, error) {
	if err := moveOldHours(db); err != nil {
		return 0, err
	}
	ds, names := a.take(now)
	keys := make([]key, 0, len(ds))
	for k := range ds {
		keys = append(keys, k)
	}
	// In key order (day, scope, hour), so that each transaction writes
	// neighbouring pages.
	slices.SortFunc(keys, func(x, y key) int {
		return cmp.Or(cmp.Compare(x.hour/24, y.hour/24), strings.Compare(string(names[x.scope]), string(names[y.scope])),
			cmp.Compare(x.hour, y.hour))
	})
	for i := 0; i < len(keys); i += flushBatch {
		part := keys[i:min(i+flushBatch, len(keys))]
		err := db.Update(func(tx *store.Tx) error {
			for _, k := range part {
				if err := addCell(tx, names[k.scope], k.start(), ds[k]); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return i, fmt.Errorf("usage: flush: %w", err)
		}
	}
	days, err := dayDeltas(ds, names)
	if err == nil {
		err = moveOldDays(db)
	}

	if err == nil {
		err = flushDays(db, days)
	}
	return len(keys), err
}

// addCell adds d to the stored cell of scope sc and hour h.
func addCell(tx *store.Tx, sc Scope, h time.Time, d *delta) error {
	var c Cell
	ck := cellKey(sc, h)
	if err := tx.Get(store.Usage, ck, (*storedCell)(&c)); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	c.add(&d.Cell)
	if d.devices != nil {
		sk := d.devices
		var raw []byte
		err := tx.Get(store.Usage, sketchKey(sc, h), &raw)
		switch {
		case err == nil:
			old, err := decodeSketch(raw)
			if err != nil {
				return err
			}
			if err := old.Merge(sk); err != nil {
				return fmt.Errorf("usage: merge sketch: %w", err)
			}
			sk = old
		case !errors.Is(err, store.ErrNotFound):
			return err
		}
		raw, err = sk.MarshalBinary()
		if err != nil {
			return fmt.Errorf("usage: encode sketch: %w", err)
		}
		if err := tx.Put(store.Usage, sketchKey(sc, h), raw); err != nil {
			return err
		}
		c.Devices = int64(sk.Estimate())
	}
	return tx.Put(store.Usage, ck, (*storedCell)(&c))
}

// Hour is one hour's cell.
type Hour struct {
	Hour time.Time `json:"hour"`
	Cell
}

// Records counts the usage bucket's records (cells, sketches, venue
// days), for the load tool's figures.
func Records(tx *store.Tx) (int, error) { return tx.Count(store.Usage) }

// deleteBatches removes the keys under prefix that pick says to remove,
// flushBatch to a commit, until pick says there are no more or the scan
// finds none.
func deleteBatches(db *store.DB, prefix string, pick func(k string) (remove, more bool)) (int, error) {
	removed := 0
	for {
		var doomed []string
		err := db.View(func(tx *store.Tx) error {
			return tx.Scan(store.Usage, prefix, func(k string, _ func(any) error) (bool, error) {
				remove, more := pick(k)
				if remove {
					doomed = append(doomed, k)
				}
				return more && len(doomed) < flushBatch, nil
			})
		})
		if err != nil || len(doomed) == 0 {
			return removed, err
		}
		err = db.Update(func(tx *store.Tx) error {
			for _, k := range doomed {
				if err := tx.Delete(store.Usage, k); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return removed, fmt.Errorf("usage: purge: %w", err)
		}
		removed += len(doomed)
	}
}
