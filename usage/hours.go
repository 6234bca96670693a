package usage

import (
	"bytes"
	"fmt"
	"slices"
	"time"

	"github.com/wifihk/wifihk/internal/store"
)

// Hours are keyed by their UTC day first, "h/" DAY "/" SCOPE NUL HH
// (and the sketches "k/" likewise), so that a purge of old days removes
// a range of keys and never reads the hours it keeps; a scope's range of
// hours is one short scan per day.

func hourKey(prefix string, s Scope, h time.Time) string {
	h = h.UTC()
	return prefix + h.Format(dateLayout) + "/" + string(s) + "\x00" + h.Format("15")
}

func cellKey(s Scope, h time.Time) string   { return hourKey("h/", s, h) }
func sketchKey(s Scope, h time.Time) string { return hourKey("k/", s, h) }

const oneDay = 24 * time.Hour

// dayPrefix is the keys under "h/" of the UTC day d, and of scope s on
// that day when s is not "".
func dayPrefix(d time.Time, s Scope) string {
	p := "h/" + d.Format(dateLayout) + "/"
	if s != "" {
		p += string(s) + "\x00"
	}
	return p
}

// Read calls fn with the hours of scope s in [from, to) (whole
// hours: from's is in, to's is out), in order.
func Read(tx *store.Tx, s Scope, from, to time.Time, fn func(Hour) error) error {
	from, to = hourOf(from), hourOf(to)
	for d := from.Truncate(oneDay); d.Before(to); d = d.Add(oneDay) {
		prefix := dayPrefix(d, s)
		start := prefix
		if from.After(d) {
			start += from.Format("15")
		}
		err := tx.ScanRawFrom(store.Usage, prefix, start, func(k, raw []byte) (bool, error) {
			hh, ok := parseHH(k[len(prefix):])
			if !ok {
				return false, fmt.Errorf("%w: usage: key %q", store.ErrDamagedRecord, k)
			}
			out := Hour{Hour: d.Add(time.Duration(hh) * time.Hour)}
			if !out.Hour.Before(to) {
				return false, nil
			}
			if err := (*storedCell)(&out.Cell).UnmarshalJSON(raw); err != nil {
				return false, fmt.Errorf("%w: usage: %q: %w", store.ErrDamagedRecord, k, err)
			}
			return true, fn(out)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// parseHH reads an hour of the day ("00" to "23") without allocating.
func parseHH(b []byte) (int, bool) {
	if len(b) != 2 || b[0] < '0' || b[0] > '2' || b[1] < '0' || b[1] > '9' {
		return 0, false
	}
	h := int(b[0]-'0')*10 + int(b[1]-'0')
	return h, h < 24
}

// Scopes returns the scopes of one kind ("d", "t", "o", "x" or "v") that
// have a cell in [from, to), in order.
func Scopes(tx *store.Tx, kind string, from, to time.Time) ([]Scope, error) {
	return scopesFrom(tx, kind+":", from, to)
}

// scopesFrom is Scopes for the scopes whose names start with prefix: on
// each day, the first key of each scope, skipping its other hours unless
// the day is cut by the range.
func scopesFrom(tx *store.Tx, prefix string, from, to time.Time) ([]Scope, error) {
	from, to = hourOf(from), hourOf(to)
	seen := map[Scope]bool{}
	for d := from.Truncate(oneDay); d.Before(to); d = d.Add(oneDay) {
		base := dayPrefix(d, "")
		next := base + prefix
		for next != "" {
			at := next
			next = ""
			err := tx.ScanRawFrom(store.Usage, base+prefix, at, func(k, _ []byte) (bool, error) {
				i := bytes.IndexByte(k, 0)
				hh, ok := parseHH(k[i+1:])
				if i < 0 || !ok {
					return false, fmt.Errorf("%w: usage: key %q", store.ErrDamagedRecord, k)
				}
				if h := d.Add(time.Duration(hh) * time.Hour); h.Before(from) || !h.Before(to) {
					return true, nil // an hour of the day outside the range
				}
				sc := Scope(k[len(base):i])
				seen[sc] = true
				next = base + string(sc) + "\x01"
				return false, nil
			})
			if err != nil {
				return nil, err
			}
		}
	}
	out := make([]Scope, 0, len(seen))
	for sc := range seen {
		out = append(out, sc)
	}
	slices.Sort(out)
	return out, nil
}

// Purge removes the cells and sketches of hours before cellsBefore, and
// the sketches of hours before sketchesBefore (they matter only while
// late sessions may still close into their hour), in batches; and the
// venue days of dates before cellsBefore's (their sketches before
// sketchesBefore's). Each is a range of keys.
func Purge(db *store.DB, cellsBefore, sketchesBefore time.Time) (int, error) {
	removed, err := purgeDays(db, cellsBefore, sketchesBefore)
	for _, p := range []struct {
		kind   string
		before time.Time
	}{{"h/", cellsBefore}, {"k/", maxTime(cellsBefore, sketchesBefore)}} {
		if err != nil {
			break
		}
		var n int
		n, err = purgeHours(db, p.kind, p.before)
		removed += n
	}
	return removed, err
}

// purgeHours removes the keys under kind ("h/" or "k/") of hours before
// before: the days before its day as one range, then that day's hours
// before it.
func purgeHours(db *store.DB, kind string, before time.Time) (int, error) {
	before = hourOf(before)
	d := before.Truncate(oneDay)
	removed, err := deleteRange(db, kind, kind+d.Format(dateLayout))
	if err != nil || before.Equal(d) {
		return removed, err
	}
	hh := before.Format("15")
	n, err := deleteBatches(db, kind+d.Format(dateLayout)+"/", func(k string) (remove, more bool) {
		return k[len(k)-2:] < hh, true
	})
	return removed + n, err
}

// moveOldHours moves hours stored scope first ("h/" SCOPE NUL
// "2006-01-02T15", and "k/" likewise), as before the day-first keys,
// flushBatch to a transaction. Their scopes begin with a letter, after
// every date.
func moveOldHours(db *store.DB) error {
	for _, kind := range []string{"h/", "k/"} {
		for {
			moved := 0
			err := db.Update(func(tx *store.Tx) error {
				type rec struct {
					old, new string
					raw      []byte
				}
				var recs []rec
				err := tx.ScanRawFrom(store.Usage, kind, kind+"a", func(k, raw []byte) (bool, error) {
					i := bytes.IndexByte(k, 0)
					var h time.Time
					ok := i > 0
					if ok {
						h, ok = parseHour(k[i+1:])
					}
					if !ok {
						return false, fmt.Errorf("%w: usage: key %q", store.ErrDamagedRecord, k)
					}
					recs = append(recs, rec{string(k), hourKey(kind, Scope(k[len(kind):i]), h), bytes.Clone(raw)})
					return len(recs) < flushBatch, nil
				})
				for _, r := range recs {
					if err == nil {
						err = tx.PutRaw(store.Usage, r.new, r.raw)
					}
					if err == nil {
						err = tx.Delete(store.Usage, r.old)
					}
				}
				moved = len(recs)
				return err
			})
			if err != nil {
				return fmt.Errorf("usage: move hours: %w", err)
			}
			if moved == 0 {
				break
			}
		}
	}
	return nil
}

// hourLayout is an hour in the older keys.
const hourLayout = "2006-01-02T15"

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
