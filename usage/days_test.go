package usage_test

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/wifihk/wifihk/accounting"
	"github.com/wifihk/wifihk/internal/storetest"
	"github.com/wifihk/wifihk/usage"
)

// TestVenueDaysOverMonths: seven weeks of sessions, flushed in pieces
// (so that weeks and months gain from several flushes); ranges that
// read whole months, whole weeks and days agree with the truth; after a
// purge in the middle of a month, the month's and the cut week's records
// are gone and their remaining days are read one by one.
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
