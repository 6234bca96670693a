package usage

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/wifihk/wifihk/internal/store"
)

// Key layout in the usage bucket (hours UTC, "2006-01-02T15"):
//
//	"h/" SCOPE NUL HOUR   the hour's Cell (storedCell: a JSON array)
//	"k/" SCOPE NUL HOUR   its device sketch (HyperLogLog, binary)
//	"p/" DATE             a published day (opendata.go)
//	"do/" KIND "/" DATE NUL ORG, "kd/" DATE NUL VENUE
//	                      venues' days, weeks and months (days.go)
const hourLayout = "2006-01-02T15"

func cellKey(s Scope, h time.Time) string {
	return "h/" + string(s) + "\x00" + h.UTC().Format(hourLayout)
}
func sketchKey(s Scope, h time.Time) string {
	return "k/" + string(s) + "\x00" + h.UTC().Format(hourLayout)
}

// flushBatch is how many cells one transaction writes.
const flushBatch = 10_000

// Flush adds the aggregator's deltas to the store, carrying open sessions
// into the peaks up to now. On failure the deltas are lost: Rebuild
// restores them.
func Flush(db *store.DB, a *Aggregator, now time.Time) (int, error) {
	ds, names := a.take(now)
	keys := make([]key, 0, len(ds))
	for k := range ds {
		keys = append(keys, k)
	}
	// In key order, so that each transaction writes neighbouring pages.
	slices.SortFunc(keys, func(x, y key) int {
		if c := strings.Compare(string(names[x.scope]), string(names[y.scope])); c != 0 {
			return c
		}
		return cmp.Compare(x.hour, y.hour)
	})
	for i := 0; i < len(keys); i += flushBatch {
		part := keys[i:min(i+flushBatch, len(keys))]
		err := db.Update(func(tx *store.Tx) error {
			for _, k := range part {
				if err := addCell(tx, names[k.scope], time.Unix(k.hour, 0), ds[k]); err != nil {
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

// Read calls fn with the hours of scope in [from, to), in order.
func Read(tx *store.Tx, s Scope, from, to time.Time, fn func(Hour) error) error {
	prefix := "h/" + string(s) + "\x00"
	end := []byte(cellKey(s, to))
	return tx.ScanRawFrom(store.Usage, prefix, cellKey(s, from), func(k, raw []byte) (bool, error) {
		if bytes.Compare(k, end) >= 0 {
			return false, nil
		}
		h, ok := parseHour(k[len(prefix):])
		if !ok {
			return false, fmt.Errorf("%w: usage: key %q", store.ErrDamagedRecord, k)
		}
		out := Hour{Hour: h}
		if err := (*storedCell)(&out.Cell).UnmarshalJSON(raw); err != nil {
			return false, fmt.Errorf("%w: usage: %q: %w", store.ErrDamagedRecord, k, err)
		}
		return true, fn(out)
	})
}

// parseHour reads an hour key ("2006-01-02T15", UTC) without allocating.
func parseHour(b []byte) (time.Time, bool) {
	if len(b) != len(hourLayout) || b[4] != '-' || b[7] != '-' || b[10] != 'T' {
		return time.Time{}, false
	}
	num := func(i, n int) (int, bool) {
		v := 0
		for _, c := range b[i : i+n] {
			if c < '0' || c > '9' {
				return 0, false
			}
			v = v*10 + int(c-'0')
		}
		return v, true
	}
	y, ok1 := num(0, 4)
	m, ok2 := num(5, 2)
	d, ok3 := num(8, 2)
	h, ok4 := num(11, 2)
	if !ok1 || !ok2 || !ok3 || !ok4 || m < 1 || m > 12 || d < 1 || d > 31 || h > 23 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(m), d, h, 0, 0, 0, time.UTC)
	return t, t.Day() == d
}

// Scopes returns the scopes of one kind ("d", "t", "o", "x" or "v") that
// have a cell in [from, to).
func Scopes(tx *store.Tx, kind string, from, to time.Time) ([]Scope, error) {
	return scopesFrom(tx, kind+":", from, to)
}

// scopesFrom is Scopes for the scopes whose names start with prefix.
func scopesFrom(tx *store.Tx, prefix string, from, to time.Time) ([]Scope, error) {
	var out []Scope
	prefix = "h/" + prefix
	from = from.UTC()
	next := prefix
	for {
		var found Scope
		err := tx.ScanFrom(store.Usage, prefix, next, func(k string, _ func(any) error) (bool, error) {
			sc, _, _ := strings.Cut(strings.TrimPrefix(k, "h/"), "\x00")
			found = Scope(sc)
			return false, nil
		})
		if err != nil {
			return nil, err
		}
		if found == "" {
			return out, nil
		}
		has := false
		if err := Read(tx, found, from, to, func(Hour) error { has = true; return errStop }); err != nil && !errors.Is(err, errStop) {
			return nil, err
		}
		if has {
			out = append(out, found)
		}
		next = "h/" + string(found) + "\x01"
	}
}

var errStop = errors.New("usage: stop")

// Purge removes the cells and sketches of hours before cellsBefore, and
// the sketches of hours before sketchesBefore (they matter only while
// late sessions may still close into their hour), in batches; and the
// venue days of dates before cellsBefore's (their sketches before
// sketchesBefore's).
func Purge(db *store.DB, cellsBefore, sketchesBefore time.Time) (int, error) {
	removed, err := purgeDays(db, cellsBefore, sketchesBefore)
	if err != nil {
		return removed, err
	}
	n, err := deleteBatches(db, "", func(k string) (remove, more bool) {
		kind, rest, _ := strings.Cut(k, "/")
		_, hs, ok := strings.Cut(rest, "\x00")
		if !ok || (kind != "h" && kind != "k") {
			return false, true
		}
		h, err := time.Parse(hourLayout, hs)
		if err != nil {
			return false, true
		}
		return h.Before(cellsBefore) || kind == "k" && h.Before(sketchesBefore), true
	})
	return removed + n, err
}

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
