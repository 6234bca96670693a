package usage

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/axiomhq/hyperloglog"

	"github.com/wifihk/wifihk/internal/store"
)

// Venue days: besides its hours, each venue has its figures by Hong Kong
// day, and by week (from Monday) and calendar month, kept by Flush from
// the same deltas as the hours, one record per organisation and block
// (orgday.go):
//
//	"do/" KIND "/" DATE NUL ORG  KIND d, w or m; DATE the block's first day
//	"kd/" DATE NUL VENUE         the venue-day's device sketch
//
// A range of days is read as the fewest whole months, weeks and days
// that cover it, so that ranking a city's 50,000 venues over 28 days
// reads about ten records per organisation. A day's Devices is its
// distinct devices (the sketch merged over its hours); a week's or a
// month's is the sum of its days' (device-days). Peak and ClientsMax
// are the largest hourly figures.
const (
	dayBlock   = 'd'
	weekBlock  = 'w'
	monthBlock = 'm'
)

// blockKinds are the kinds of block each day counts in.
var blockKinds = [...]byte{dayBlock, weekBlock, monthBlock}

// blockKey is the record of org's venues in the block of kind starting
// on the Hong Kong date start.
func blockKey(kind byte, start time.Time, org string) string {
	return "do/" + string(kind) + "/" + start.Format(dateLayout) + "\x00" + org
}

func daySketchKey(day time.Time, venue string) string {
	return "kd/" + day.Format(dateLayout) + "\x00" + venue
}

// dayOf is the Hong Kong date of hour h.
func dayOf(h time.Time) string { return h.In(HongKong).Format(dateLayout) }

// midnight is the start of t's Hong Kong day.
func midnight(t time.Time) time.Time {
	y, m, d := t.In(HongKong).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, HongKong)
}

// blockStart is the first day of the block of kind holding day (a
// Hong Kong midnight).
func blockStart(kind byte, day time.Time) time.Time {
	switch kind {
	case weekBlock:
		return day.AddDate(0, 0, -(int(day.Weekday())+6)%7)
	case monthBlock:
		return day.AddDate(0, 0, 1-day.Day())
	}
	return day
}

// blockAfter is the day after the block of kind starting on start.
func blockAfter(kind byte, start time.Time) time.Time {
	switch kind {
	case weekBlock:
		return start.AddDate(0, 0, 7)
	case monthBlock:
		return start.AddDate(0, 1, 0)
	}
	return start.AddDate(0, 0, 1)
}

// dayVenue addresses one venue's day.
type dayVenue struct {
	day   int64 // Unix seconds of its Hong Kong midnight
	venue string
}

// dayDelta is what a venue's day gained since the last flush.
type dayDelta struct {
	Cell
	devices *hyperloglog.Sketch
}

// dayDeltas sums the venue scopes' hour deltas into venue-day deltas,
// their device sketches merged.
func dayDeltas(ds map[key]*delta, names []Scope) (map[dayVenue]*dayDelta, error) {
	out := map[dayVenue]*dayDelta{}
	for k, d := range ds {
		venue, ok := strings.CutPrefix(string(names[k.scope]), "v:")
		if !ok {
			continue
		}
		dk := dayVenue{midnight(k.start()).Unix(), venue}
		c := out[dk]
		if c == nil {
			c = &dayDelta{}
			out[dk] = c
		}
		c.add(&d.Cell)
		if d.devices == nil {
			continue
		}
		if c.devices == nil {
			c.devices = d.devices.Clone()
		} else if err := c.devices.Merge(d.devices); err != nil {
			return nil, fmt.Errorf("usage: merge sketch: %w", err)
		}
	}
	return out, nil
}

// addAll folds d into c, Devices added too (blocks of days).
func addAll(c, d *Cell) {
	c.add(d)
	c.Devices += d.Devices
}

// orgDay is one organisation's deltas of one day, in order of venue.
type orgDay struct {
	day    time.Time
	org    string
	venues []string
	deltas []*dayDelta
}

// groupDays groups venue-day deltas by day and organisation, in key order.
func groupDays(days map[dayVenue]*dayDelta) []*orgDay {
	groups := map[dayVenue]*orgDay{}
	for dv, d := range days {
		org, _ := splitVenue(dv.venue)
		gk := dayVenue{dv.day, org}
		g := groups[gk]
		if g == nil {
			g = &orgDay{day: time.Unix(dv.day, 0).In(HongKong), org: org}
			groups[gk] = g
		}
		g.venues = append(g.venues, dv.venue)
		g.deltas = append(g.deltas, d)
	}
	out := make([]*orgDay, 0, len(groups))
	for _, g := range groups {
		idx := make([]int, len(g.venues))
		for i := range idx {
			idx[i] = i
		}
		slices.SortFunc(idx, func(a, b int) int { return strings.Compare(g.venues[a], g.venues[b]) })
		vs, ds := make([]string, len(idx)), make([]*dayDelta, len(idx))
		for i, j := range idx {
			vs[i], ds[i] = g.venues[j], g.deltas[j]
		}
		g.venues, g.deltas = vs, ds
		out = append(out, g)
	}
	slices.SortFunc(out, func(a, b *orgDay) int {
		return cmp.Or(a.day.Compare(b.day), strings.Compare(a.org, b.org))
	})
	return out
}

// flushDays adds the venue-day deltas to the days, weeks and months, at
// most about flushBatch venues to a transaction; each transaction keeps
// the blocks in step with the days it writes.
func flushDays(db *store.DB, days map[dayVenue]*dayDelta) error {
	groups := groupDays(days)
	for len(groups) > 0 {
		n, venues := 0, 0
		for n < len(groups) && (n == 0 || venues+len(groups[n].venues) <= flushBatch) {
			venues += len(groups[n].venues)
			n++
		}
		err := db.Update(func(tx *store.Tx) error { return addDays(tx, groups[:n]) })
		if err != nil {
			return fmt.Errorf("usage: flush days: %w", err)
		}
		groups = groups[n:]
	}
	return nil
}

// addDays adds each organisation's day to its day record and sketches,
// then what the days gained to their weeks and months.
func addDays(tx *store.Tx, groups []*orgDay) error {
	blocks := map[string]map[string]*Cell{} // block key → rest → delta
	for _, g := range groups {
		gained, err := addDay(tx, g)
		if err != nil {
			return err
		}
		for _, kind := range blockKinds[1:] {
			bk := blockKey(kind, blockStart(kind, g.day), g.org)
			b := blocks[bk]
			if b == nil {
				b = map[string]*Cell{}
				blocks[bk] = b
			}
			for i := range gained {
				if c := b[gained[i].rest]; c != nil {
					addAll(c, &gained[i].Cell)
				} else {
					c := gained[i].Cell // a copy: weeks and months add apart
					b[gained[i].rest] = &c
				}
			}
		}
	}
	keys := make([]string, 0, len(blocks))
	for k := range blocks {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		ds := make([]venueFigures, 0, len(blocks[k]))
		for rest, c := range blocks[k] {
			ds = append(ds, venueFigures{rest, *c})
		}
		slices.SortFunc(ds, func(a, b venueFigures) int { return strings.Compare(a.rest, b.rest) })
		if err := addBlock(tx, k, ds); err != nil {
			return err
		}
	}
	return nil
}

// addDay adds g to its day record, its devices to the venue-day
// sketches, and returns what each venue's day gained (Devices: the
// change in its distinct devices).
func addDay(tx *store.Tx, g *orgDay) ([]venueFigures, error) {
	k := blockKey(dayBlock, g.day, g.org)
	old, err := readBlock(tx, k)
	if err != nil {
		return nil, err
	}
	ds := make([]venueFigures, len(g.venues))
	for i, v := range g.venues {
		_, rest := splitVenue(v)
		ds[i] = venueFigures{rest: rest, Cell: g.deltas[i].Cell}
		if g.deltas[i].devices == nil {
			continue
		}
		n, err := addDaySketch(tx, g.day, v, g.deltas[i].devices)
		if err != nil {
			return nil, err
		}
		if j, found := slices.BinarySearchFunc(old, rest, func(f venueFigures, r string) int { return strings.Compare(f.rest, r) }); found {
			n -= old[j].Devices
		}
		ds[i].Devices = n
	}
	return ds, tx.Put(store.Usage, k, encodeOrgDay(mergeVenues(old, ds, addAll)))
}

// addDaySketch merges sk into venue's sketch of day and returns the
// day's distinct devices.
func addDaySketch(tx *store.Tx, day time.Time, venue string, sk *hyperloglog.Sketch) (int64, error) {
	k := daySketchKey(day, venue)
	var raw []byte
	switch err := tx.Get(store.Usage, k, &raw); {
	case err == nil:
		old, err := decodeSketch(raw)
		if err != nil {
			return 0, err
		}
		if err := old.Merge(sk); err != nil {
			return 0, fmt.Errorf("usage: merge sketch: %w", err)
		}
		sk = old
	case !errors.Is(err, store.ErrNotFound):
		return 0, err
	}
	raw, err := sk.MarshalBinary()
	if err != nil {
		return 0, fmt.Errorf("usage: encode sketch: %w", err)
	}
	return int64(sk.Estimate()), tx.Put(store.Usage, k, raw)
}

// addBlock adds the deltas ds (in order) to the block record at k.
func addBlock(tx *store.Tx, k string, ds []venueFigures) error {
	old, err := readBlock(tx, k)
	if err != nil {
		return err
	}
	return tx.Put(store.Usage, k, encodeOrgDay(mergeVenues(old, ds, addAll)))
}

// readBlock reads the block record at k (none: no venues).
func readBlock(tx *store.Tx, k string) ([]venueFigures, error) {
	var raw []byte
	err := tx.Get(store.Usage, k, &raw)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	vs, err := decodeOrgDay(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: usage: %q: %w", store.ErrDamagedRecord, k, err)
	}
	return vs, nil
}

// block is one record's span: kind and first day.
type block struct {
	kind  byte
	start time.Time
}

// cover lists the fewest blocks that cover the Hong Kong days first to
// last: whole months and weeks where they fit, days elsewhere. A block
// that starts before earliest (the first day stored) may have lost days
// to a purge and is not used.
func cover(first, last, earliest time.Time) []block {
	var out []block
	for d := midnight(first); !d.After(last); {
		b := block{dayBlock, d}
		for _, kind := range []byte{monthBlock, weekBlock} {
			if blockStart(kind, d).Equal(d) && !d.Before(earliest) && !blockAfter(kind, d).After(last.AddDate(0, 0, 1)) {
				b.kind = kind
				break
			}
		}
		out = append(out, b)
		d = blockAfter(b.kind, d)
	}
	return out
}

// firstDay is the first Hong Kong day with a day record; ok false if
// there is none.
func firstDay(tx *store.Tx) (day time.Time, ok bool, err error) {
	prefix := "do/" + string(dayBlock) + "/"
	err = tx.ScanRawFrom(store.Usage, prefix, prefix, func(k, _ []byte) (bool, error) {
		date, _, _ := strings.Cut(string(k[len(prefix):]), "\x00")
		d, perr := time.ParseInLocation(dateLayout, date, HongKong)
		if perr != nil {
			return false, fmt.Errorf("%w: usage: key %q", store.ErrDamagedRecord, k)
		}
		day, ok = d, true
		return false, nil
	})
	return day, ok, err
}

// VenueDays sums the venues' figures over the Hong Kong dates from first
// to last (inclusive) by venue ("org/location"): every venue's, or
// org's only when org is not empty. Devices is the days' distinct
// devices added up (for one day, its distinct devices).
func VenueDays(tx *store.Tx, org string, first, last time.Time) (map[string]*Cell, error) {
	earliest, ok, err := firstDay(tx)
	if err != nil || !ok {
		return map[string]*Cell{}, err
	}
	sums := venueSums{}
	var buf []byte
	for _, b := range cover(first, midnight(last), earliest) {
		prefix := blockKey(b.kind, b.start, org)
		err := tx.ScanRawFrom(store.Usage, prefix, prefix, func(k, raw []byte) (bool, error) {
			if org != "" && len(k) != len(prefix) {
				return false, nil // another organisation whose code begins with org's
			}
			var err error
			if buf, err = unquoteOrgDay(raw, buf); err == nil {
				err = sums.org(string(k[len(prefix)-len(org):])).add(buf)
			}
			if err != nil {
				return false, fmt.Errorf("%w: usage: %q: %w", store.ErrDamagedRecord, k, err)
			}
			return org == "", nil
		})
		if err != nil {
			return nil, err
		}
	}
	return sums.venues(), nil
}

// venueSums adds up blocks by organisation.
type venueSums map[string]*orgSums

func (s venueSums) org(code string) *orgSums {
	o := s[code]
	if o == nil {
		o = &orgSums{code: code}
		s[code] = o
	}
	return o
}

// venues is the sums by venue name.
func (s venueSums) venues() map[string]*Cell {
	n := 0
	for _, o := range s {
		n += len(o.rests)
	}
	out := make(map[string]*Cell, n)
	for _, o := range s {
		for i, rest := range o.rests {
			out[o.code+rest] = &o.cells[i]
		}
	}
	return out
}

// orgSums is one organisation's venues' sums. An organisation's records
// list mostly the same venues in the same order, so a venue is first
// looked for where it was in the record before.
type orgSums struct {
	code  string
	rests []string
	cells []Cell
	idx   map[string]int // built at the first venue out of place
}

func (o *orgSums) add(b []byte) error {
	next := 0
	return walkOrgDay(b, func(rest []byte, c *Cell) {
		i := next
		if i >= len(o.rests) || o.rests[i] != string(rest) {
			i = o.find(rest)
		}
		addAll(&o.cells[i], c)
		next = i + 1
	})
}

// find is rest's index, added if new.
func (o *orgSums) find(rest []byte) int {
	if o.idx == nil {
		o.idx = make(map[string]int, len(o.rests))
		for i, r := range o.rests {
			o.idx[r] = i
		}
	}
	if i, ok := o.idx[string(rest)]; ok {
		return i
	}
	o.rests = append(o.rests, string(rest))
	o.cells = append(o.cells, Cell{})
	o.idx[o.rests[len(o.rests)-1]] = len(o.rests) - 1
	return len(o.rests) - 1
}

// purgeDays removes the blocks that start before the Hong Kong date of
// before, and the venue-day sketches of days before sketchesBefore's:
// each a range of keys, since their keys begin with the date.
func purgeDays(db *store.DB, before, sketchesBefore time.Time) (int, error) {
	removed := 0
	for _, kind := range blockKinds {
		n, err := deleteRange(db, "do/"+string(kind)+"/", blockKey(kind, midnight(before), ""))
		removed += n
		if err != nil {
			return removed, err
		}
	}
	n, err := deleteRange(db, "kd/", daySketchKey(midnight(sketchesBefore), ""))
	return removed + n, err
}

// deleteRange removes the keys under prefix that sort before end.
func deleteRange(db *store.DB, prefix, end string) (int, error) {
	return deleteBatches(db, prefix, func(k string) (remove, more bool) { return k < end, k < end })
}

// oldDayPrefix held one record per venue and day, before the
// organisations' blocks; Flush moves what is left of them.
const oldDayPrefix = "dv/"

// moveOldDays moves venue days stored one per venue ("dv/" DATE NUL
// VENUE) into the organisations' blocks, flushBatch to a transaction.
func moveOldDays(db *store.DB) error {
	for {
		done := true
		err := db.Update(func(tx *store.Tx) error {
			days := map[dayVenue]*dayDelta{}
			var keys []string
			err := tx.ScanRawFrom(store.Usage, oldDayPrefix, oldDayPrefix, func(k, raw []byte) (bool, error) {
				date, venue, _ := strings.Cut(string(k[len(oldDayPrefix):]), "\x00")
				d, err := time.ParseInLocation(dateLayout, date, HongKong)
				var c storedCell
				if err == nil {
					err = c.UnmarshalJSON(raw)
				}
				if err != nil {
					return false, fmt.Errorf("%w: usage: %q: %w", store.ErrDamagedRecord, k, err)
				}
				days[dayVenue{d.Unix(), venue}] = &dayDelta{Cell: Cell(c)}
				keys = append(keys, string(k))
				return len(keys) < flushBatch, nil
			})
			if err != nil || len(keys) == 0 {
				return err
			}
			done = false
			for _, k := range keys {
				if err := tx.Delete(store.Usage, k); err != nil {
					return err
				}
			}
			return addDays(tx, groupDays(days))
		})
		if err != nil {
			return fmt.Errorf("usage: move venue days: %w", err)
		}
		if done {
			return nil
		}
	}
}

// VenueDaily is one venue's figures by Hong Kong date ("2006-01-02")
// from first to last, each day with its distinct devices; a day without
// figures is absent.
func VenueDaily(tx *store.Tx, venue string, first, last time.Time) (map[string]*Cell, error) {
	org, rest := splitVenue(venue)
	out := map[string]*Cell{}
	var buf []byte
	for d := midnight(first); !d.After(last); d = d.AddDate(0, 0, 1) {
		k := blockKey(dayBlock, d, org)
		err := tx.ScanRawFrom(store.Usage, k, k, func(key, raw []byte) (bool, error) {
			if len(key) != len(k) {
				return false, nil // another organisation whose code begins with org's
			}
			var err error
			if buf, err = unquoteOrgDay(raw, buf); err == nil {
				err = walkOrgDay(buf, func(r []byte, c *Cell) {
					if string(r) == rest {
						cp := *c
						out[d.Format(dateLayout)] = &cp
					}
				})
			}
			if err != nil {
				return false, fmt.Errorf("%w: usage: %q: %w", store.ErrDamagedRecord, key, err)
			}
			return false, nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}
