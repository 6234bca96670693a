package usage_test

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/wifihk/wifihk/accounting"
	"github.com/wifihk/wifihk/internal/store"
	"github.com/wifihk/wifihk/internal/storetest"
	"github.com/wifihk/wifihk/usage"
)

// TestVenueDaysOverMonths: seven weeks of sessions, flushed in pieces
// (so that weeks and months gain from several flushes); ranges that
// read whole months, whole weeks and days agree with the truth; after a
// purge in the middle of a month, the month's and the cut week's records
// are gone and their remaining days are read one by one. A venue's
// days one by one (its page) agree too.
func TestVenueDaysOverMonths(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	start := time.Date(2026, 10, 20, 16, 0, 0, 0, time.UTC) // 21 October in Hong Kong
	pl, ss := synth(rng, start, 49*24*time.Hour, 1500, 150)
	tr := computeTruth(pl, ss)
	db := storetest.Open(t)
	acct := accounting.New(db)
	defer acct.Close()
	agg := usage.NewAggregator(pl, []byte("k"))
	acct.Observe(agg.Sessions)
	us := packets(ss)
	for i := 0; i < len(us); i += 500 {
		_, errs := acct.ApplyAll(us[i:min(i+500, len(us))])
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if _, err := usage.Flush(db, agg, us[min(i+500, len(us))-1].At); err != nil {
			t.Fatal(err)
		}
	}
	day := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 0, 0, 0, 0, usage.HongKong) }
	none := map[string]*usage.Cell{}
	for _, r := range [][2]time.Time{
		{day(11, 1), day(11, 30)},  // a month
		{day(10, 21), day(12, 8)},  // days, a month, a week
		{day(11, 4), day(12, 1)},   // 28 days from a Wednesday
		{day(11, 16), day(11, 22)}, // a week
		{day(11, 18), day(11, 18)}, // a day
	} {
		checkDays(t, db, pl, tr, none, r[0], r[1])
	}
	checkVenueDaily(t, db, pl, tr, day(10, 30), day(11, 12))
	cut := day(11, 11)
	if _, err := usage.Purge(db, cut, cut); err != nil {
		t.Fatal(err)
	}
	kept := truth{cells: map[string]*usage.Cell{}, devices: tr.devices}
	for id, c := range tr.cells {
		if h, _ := time.Parse(time.RFC3339, id[strings.LastIndexByte(id, '@')+1:]); !h.Before(cut) {
			kept.cells[id] = c
		}
	}
	checkDays(t, db, pl, kept, none, day(11, 1), day(11, 30))
	checkDays(t, db, pl, kept, none, day(11, 9), day(11, 22))
}

// checkVenueDaily checks usage.VenueDaily of every venue, day by day,
// against the truth.
func checkVenueDaily(t *testing.T, db *store.DB, pl places, tr truth, first, last time.Time) {
	t.Helper()
	for v := range pl {
		var got map[string]*usage.Cell
		if err := db.View(func(tx *store.Tx) (err error) { got, err = usage.VenueDaily(tx, v, first, last); return err }); err != nil {
			t.Fatal(err)
		}
		n := 0
		for d := first; !d.After(last); d = d.AddDate(0, 0, 1) {
			date := d.Format("2006-01-02")
			w := dayTruth(pl, tr, nil, d)[v]
			g := got[date]
			if w == nil {
				if g != nil {
					t.Errorf("%s %s: %+v, want none", v, date, g)
				}
				continue
			}
			n++
			if g == nil {
				t.Errorf("%s %s: none, want %+v", v, date, w)
				continue
			}
			if diff := math.Abs(float64(g.Devices - w.Devices)); diff > math.Max(1, 3*usage.StdError*float64(w.Devices)) {
				t.Errorf("%s %s: %d devices, want %d", v, date, g.Devices, w.Devices)
			}
			exact := *w
			exact.Devices = g.Devices
			if *g != exact {
				t.Errorf("%s %s: %+v, want %+v", v, date, g, exact)
			}
		}
		if len(got) != n {
			t.Errorf("%s: %d days, want %d", v, len(got), n)
		}
	}
}
