package usage_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"github.com/wifihk/wifihk/accounting"
	"github.com/wifihk/wifihk/internal/store"
	"github.com/wifihk/wifihk/internal/storetest"
	"github.com/wifihk/wifihk/usage"
)

// places is a fixed registry for the tests.
type places map[string]usage.Place

func (p places) Place(v string) (usage.Place, bool) { pl, ok := p[v]; return pl, ok }

// synthSession is one session of the synthetic week, with its truth.
type synthSession struct {
	venue, mac  string
	start, stop time.Time
	up, down    uint64
	acct, nas   string
}

// week makes a week of sessions at 12 venues in 3 districts and 2 venue
// types, from 150 devices, each starting and stopping on a whole second.
func week(rng *rand.Rand, start time.Time) (places, []synthSession) {
	return synth(rng, start, 7*24*time.Hour, 1200, 150)
}

// synth makes n sessions over span from the given number of devices.
func synth(rng *rand.Rand, start time.Time, span time.Duration, n, devices int) (places, []synthSession) {
	pl := places{}
	districts := []string{"Wan Chai", "Sha Tin", "Islands"}
	types := []string{"Library", "Park"}
	var venues []string
	for i := range 12 {
		v := fmt.Sprintf("org%d/V%02d", i%2, i)
		pl[v] = usage.Place{District: districts[i%3], VenueType: types[i%2], Org: fmt.Sprintf("org%d", i%2)}
		venues = append(venues, v)
	}
	var ss []synthSession
	for i := range n {
		st := start.Add(time.Duration(rng.IntN(int(span/time.Second))) * time.Second)
		dur := time.Duration(rng.IntN(3*3600)) * time.Second
		if i%50 == 0 {
			dur = 0 // a session of no length
		}
		ss = append(ss, synthSession{venue: venues[rng.IntN(len(venues))],
			mac:   fmt.Sprintf("02-00-00-00-%02X-%02X", rng.IntN(150)/256, rng.IntN(150)%256),
			start: st, stop: st.Add(dur), up: uint64(rng.IntN(1 << 30)), down: uint64(rng.Int64N(1 << 34)),
			acct: fmt.Sprintf("s%05d", i), nas: fmt.Sprintf("nas%d", i%3)})
	}
	return pl, ss
}

// packets are the sessions' Start and Stop, in time order (Stops first at
// the same instant, as a session open over [start, stop) is).
func packets(ss []synthSession) []accounting.Update {
	var us []accounting.Update
	for _, s := range ss {
		base := accounting.Update{NAS: s.nas, AcctID: s.acct, Username: "u" + s.mac, MAC: s.mac, Venue: s.venue}
		st := base
		st.Status, st.At = accounting.Start, s.start
		sp := base
		sp.Status, sp.At = accounting.Stop, s.stop
		sp.InputOctets, sp.OutputOctets, sp.SessionTime = s.up, s.down, uint32(s.stop.Sub(s.start)/time.Second)
		if s.stop.Equal(s.start) {
			us = append(us, sp) // a lone Stop: the gateway lost the Start
			continue
		}
		us = append(us, st, sp)
	}
	sort.SliceStable(us, func(i, j int) bool {
		if !us[i].At.Equal(us[j].At) {
			return us[i].At.Before(us[j].At)
		}
		return us[i].Status == accounting.Stop && us[j].Status != accounting.Stop
	})
	return us
}

// truth is the expected cell of each scope and hour, worked out directly.
type truth struct {
	cells   map[string]*usage.Cell
	devices map[string]map[string]bool
}

func cellID(s usage.Scope, h time.Time) string { return string(s) + "@" + h.UTC().Format(time.RFC3339) }

func scopesOf(p usage.Place, venue string) []usage.Scope {
	return []usage.Scope{usage.VenueScope(venue), usage.DistrictScope(p.District), usage.TypeScope(p.VenueType),
		usage.OrgScope(p.Org), usage.CrossScope(p.District, p.VenueType),
		usage.OrgDistrictScope(p.Org, p.District), usage.OrgTypeScope(p.Org, p.VenueType), usage.City}
}

func computeTruth(pl places, ss []synthSession) truth {
	tr := truth{cells: map[string]*usage.Cell{}, devices: map[string]map[string]bool{}}
	get := func(s usage.Scope, h time.Time) *usage.Cell {
		id := cellID(s, h)
		if tr.cells[id] == nil {
			tr.cells[id] = &usage.Cell{}
		}
		return tr.cells[id]
	}
	dev := func(s usage.Scope, h time.Time, mac string) {
		id := cellID(s, h)
		if tr.devices[id] == nil {
			tr.devices[id] = map[string]bool{}
		}
		tr.devices[id][mac] = true
	}
	byScope := map[usage.Scope][]synthSession{}
	for _, s := range ss {
		scs := scopesOf(pl[s.venue], s.venue)
		for _, sc := range scs {
			byScope[sc] = append(byScope[sc], s)
			get(sc, s.start.Truncate(time.Hour)).Sessions++
			dev(sc, s.start.Truncate(time.Hour), s.mac)
		}
		// Seconds and bytes by hour, by overlap; the last hour takes the rest.
		total := s.stop.Sub(s.start)
		var gu, gd int64
		for h := s.start.Truncate(time.Hour); h.Before(s.stop) || h.Equal(s.start.Truncate(time.Hour)); h = h.Add(time.Hour) {
			lo, hi := later(h, s.start), earlier(h.Add(time.Hour), s.stop)
			var u, d int64
			if total > 0 {
				u = int64(new(bigFrac).mul(int64(s.up), int64(hi.Sub(lo)), int64(total)))
				d = int64(new(bigFrac).mul(int64(s.down), int64(hi.Sub(lo)), int64(total)))
			}
			if !h.Add(time.Hour).Before(s.stop) {
				u, d = int64(s.up)-gu, int64(s.down)-gd
			}
			gu, gd = gu+u, gd+d
			for _, sc := range scs {
				c := get(sc, h)
				c.Seconds += int64(hi.Sub(lo) / time.Second)
				c.BytesUp += u
				c.BytesDown += d
				dev(sc, h, s.mac)
			}
			if total == 0 {
				break
			}
		}
	}
	// Peaks: the most sessions open at any instant of the hour, over
	// [start, stop), by looking at the hour's start and every start in it.
	for sc, list := range byScope {
		hours := map[time.Time]bool{}
		for _, s := range list {
			for h := s.start.Truncate(time.Hour); !h.After(s.stop); h = h.Add(time.Hour) {
				hours[h] = true
			}
		}
		for h := range hours {
			instants := []time.Time{h}
			for _, s := range list {
				if !s.start.Before(h) && s.start.Before(h.Add(time.Hour)) {
					instants = append(instants, s.start)
				}
			}
			var peak int64
			for _, t := range instants {
				var n int64
				for _, s := range list {
					if !s.start.After(t) && t.Before(s.stop) {
						n++
					}
				}
				peak = max(peak, n)
			}
			if peak > 0 {
				get(sc, h).Peak = peak
			}
		}
	}
	return tr
}

// bigFrac computes n × a / b exactly for the sizes here (n < 2^35, a ≤ b
// < 2^62 ns would overflow), with 128-bit arithmetic via float-free steps.
type bigFrac struct{}

func (bigFrac) mul(n, a, b int64) int64 {
	q, r := n/b, n%b
	return q*a + r*a/b
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// stored reads every cell of the usage figures.
func stored(t *testing.T, db *store.DB, pl places, from, to time.Time) map[string]usage.Hour {
	t.Helper()
	out := map[string]usage.Hour{}
	scopes := map[usage.Scope]bool{usage.City: true}
	for v, p := range pl {
		for _, sc := range scopesOf(p, v) {
			scopes[sc] = true
		}
	}
	err := db.View(func(tx *store.Tx) error {
		for sc := range scopes {
			if err := usage.Read(tx, sc, from, to, func(h usage.Hour) error {
				out[cellID(sc, h.Hour)] = h
				return nil
			}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

var weekStart = time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)

// TestWeekKnownTruth feeds a synthetic week through accounting (Start and
// Stop packets, in time order) and the agents' reports, and checks every
// cell of every scope against the truth worked out directly; then checks
// that Rebuild from the accounting records gives the same cells.
func TestWeekKnownTruth(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	pl, ss := week(rng, weekStart)
	tr := computeTruth(pl, ss)

	db := storetest.Open(t)
	acct := accounting.New(db)
	defer acct.Close()
	agg := usage.NewAggregator(pl, []byte("test pseudonym key"))
	acct.Observe(agg.Sessions)
	us := packets(ss)
	for i := 0; i < len(us); i += 400 {
		_, errs := acct.ApplyAll(us[i:min(i+400, len(us))])
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	// Agents: each venue's AP reports every 5 minutes of the first day.
	aps := map[string]*usage.Cell{}
	for v, p := range pl {
		for m := 0; m < 24*60; m += 5 {
			at := weekStart.Add(time.Duration(m) * time.Minute)
			n := rng.IntN(40)
			agg.APReport(v, at, n)
			for _, sc := range scopesOf(p, v) {
				c := aps[cellID(sc, at.Truncate(time.Hour))]
				if c == nil {
					c = &usage.Cell{}
					aps[cellID(sc, at.Truncate(time.Hour))] = c
				}
				c.APReports++
				c.ClientsSum += int64(n)
				c.ClientsMax = max(c.ClientsMax, int64(n))
			}
		}
	}
	end := weekStart.Add(8 * 24 * time.Hour)
	if _, err := usage.Flush(db, agg, end); err != nil {
		t.Fatal(err)
	}
	got := stored(t, db, pl, weekStart, end)
	check := func(t *testing.T, got map[string]usage.Hour) {
		t.Helper()
		bad := 0
		for id, want := range tr.cells {
			g := got[id]
			w := *want
			if a := aps[id]; a != nil {
				w.APReports, w.ClientsSum, w.ClientsMax = a.APReports, a.ClientsSum, a.ClientsMax
			}
			n := int64(len(tr.devices[id]))
			if diff := math.Abs(float64(g.Devices - n)); diff > math.Max(1, 3*usage.StdError*float64(n)) {
				t.Errorf("%s: devices %d, want %d within the sketch's error", id, g.Devices, n)
			}
			w.Devices = g.Devices
			if g.Cell != w && bad < 10 {
				bad++
				t.Errorf("%s:\n got %+v\nwant %+v", id, g.Cell, w)
			}
		}
		for id := range got {
			if tr.cells[id] == nil && aps[id] == nil {
				t.Errorf("%s: a cell the truth does not have: %+v", id, got[id])
			}
		}
	}
	check(t, got)
	checkVenueDays(t, db, pl, tr, aps)
	if len(tr.cells) < 1000 {
		t.Fatalf("only %d cells: the week is too small to test much", len(tr.cells))
	}

	t.Run("rebuild", func(t *testing.T) {
		all, err := acct.List(false, 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := usage.Rebuild(db, all, pl, []byte("test pseudonym key"), end); err != nil {
			t.Fatal(err)
		}
		rebuilt := stored(t, db, pl, weekStart, end)
		check(t, rebuilt)
		checkVenueDays(t, db, pl, tr, aps)
		for id, h := range got {
			if rebuilt[id] != h {
				t.Errorf("%s: rebuilt %+v, incremental %+v", id, rebuilt[id], h)
			}
		}
	})
}

// checkVenueDays checks each venue's Hong Kong days (whole and for its
// organisation), and the whole span at once (a week block and days),
// against the truth's hours summed by date.
func checkVenueDays(t *testing.T, db *store.DB, pl places, tr truth, aps map[string]*usage.Cell) {
	t.Helper()
	first, last := weekStart, weekStart.Add(8*24*time.Hour)
	for d := first; !d.After(last); d = d.AddDate(0, 0, 1) {
		checkDays(t, db, pl, tr, aps, d, d)
	}
	checkDays(t, db, pl, tr, aps, first, last)
}

// dayTruth is each venue's figures of the Hong Kong day of d from the
// truth's hours, and its distinct devices.
func dayTruth(pl places, tr truth, aps map[string]*usage.Cell, d time.Time) map[string]*usage.Cell {
	want := map[string]*usage.Cell{}
	y, m, dd := d.In(usage.HongKong).Date()
	dayStart := time.Date(y, m, dd, 0, 0, 0, 0, usage.HongKong)
	for v := range pl {
		devices := map[string]bool{}
		for h := dayStart; h.Before(dayStart.AddDate(0, 0, 1)); h = h.Add(time.Hour) {
			id := cellID(usage.VenueScope(v), h)
			c, a := tr.cells[id], aps[id]
			if c == nil && a == nil {
				continue
			}
			w := want[v]
			if w == nil {
				w = &usage.Cell{}
				want[v] = w
			}
			if c != nil {
				w.Sessions += c.Sessions
				w.BytesUp += c.BytesUp
				w.BytesDown += c.BytesDown
				w.Seconds += c.Seconds
				w.Peak = max(w.Peak, c.Peak)
			}
			if a != nil {
				w.APReports += a.APReports
				w.ClientsSum += a.ClientsSum
				w.ClientsMax = max(w.ClientsMax, a.ClientsMax)
			}
			for mac := range tr.devices[id] {
				devices[mac] = true
			}
		}
		if w := want[v]; w != nil {
			w.Devices = int64(len(devices))
		}
	}
	return want
}

// checkDays checks usage.VenueDays over the Hong Kong days first to last
// against the truth: the days' figures added up (Peak and ClientsMax the
// largest), Devices the days' distinct devices added up, within the
// sketch's error.
func checkDays(t *testing.T, db *store.DB, pl places, tr truth, aps map[string]*usage.Cell, first, last time.Time) {
	t.Helper()
	want := map[string]*usage.Cell{}
	for d := first; !d.After(last); d = d.AddDate(0, 0, 1) {
		for v, c := range dayTruth(pl, tr, aps, d) {
			w := want[v]
			if w == nil {
				w = &usage.Cell{}
				want[v] = w
			}
			w.Sessions += c.Sessions
			w.Devices += c.Devices
			w.BytesUp += c.BytesUp
			w.BytesDown += c.BytesDown
			w.Seconds += c.Seconds
			w.Peak = max(w.Peak, c.Peak)
			w.APReports += c.APReports
			w.ClientsSum += c.ClientsSum
			w.ClientsMax = max(w.ClientsMax, c.ClientsMax)
		}
	}
	span := first.In(usage.HongKong).Format("2006-01-02") + ".." + last.In(usage.HongKong).Format("2006-01-02")
	for _, org := range []string{"", "org1"} {
		var got map[string]*usage.Cell
		err := db.View(func(tx *store.Tx) (err error) {
			got, err = usage.VenueDays(tx, org, first, last)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for v, w := range want {
			if org != "" && pl[v].Org != org {
				continue
			}
			n++
			g := got[v]
			if g == nil {
				t.Errorf("%s %s (org %q): none, want %+v", span, v, org, w)
				continue
			}
			if diff := math.Abs(float64(g.Devices - w.Devices)); diff > math.Max(1, 3*usage.StdError*float64(w.Devices)) {
				t.Errorf("%s %s (org %q): %d devices, want %d within the sketch's error", span, v, org, g.Devices, w.Devices)
			}
			exact := *w
			exact.Devices = g.Devices
			if *g != exact {
				t.Errorf("%s %s (org %q): %+v, want %+v", span, v, org, g, exact)
			}
		}
		if len(got) != n {
			t.Errorf("%s (org %q): %d venues, want %d", span, org, len(got), n)
		}
	}
}
