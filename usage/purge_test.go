package usage_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/wifihk/wifihk/internal/store"
	"github.com/wifihk/wifihk/internal/storetest"
	"github.com/wifihk/wifihk/usage"
)

// Purge removes the hours, and the venue days, before the cut, and the
// sketches before theirs; what is after stays whole.
func TestPurgeHoursAndVenueDays(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	start := time.Date(2026, 11, 1, 16, 0, 0, 0, time.UTC) // midnight in Hong Kong
	pl, ss := synth(rng, start, 4*24*time.Hour, 400, 50)
	db := storetest.Open(t)
	a := usage.NewAggregator(pl, []byte("k"))
	a.Replay(records(ss))
	if _, err := usage.Flush(db, a, start.Add(5*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	cut := start.Add(2 * 24 * time.Hour)
	days := func(first, last time.Time) map[string]*usage.Cell {
		var out map[string]*usage.Cell
		if err := db.View(func(tx *store.Tx) (err error) { out, err = usage.VenueDays(tx, "", first, last); return err }); err != nil {
			t.Fatal(err)
		}
		return out
	}
	keptBefore := days(cut, start.Add(5*24*time.Hour))
	if len(days(start, cut.Add(-time.Hour))) == 0 || len(keptBefore) == 0 {
		t.Fatal("no venue days to purge or to keep")
	}
	n, err := usage.Purge(db, cut, cut.Add(24*time.Hour))
	if err != nil || n == 0 {
		t.Fatalf("purge: %d, %v", n, err)
	}
	if got := days(start, cut.Add(-time.Hour)); len(got) != 0 {
		t.Errorf("%d venues keep days before the cut", len(got))
	}
	kept := days(cut, start.Add(5*24*time.Hour))
	for v, c := range keptBefore {
		if kept[v] == nil || *kept[v] != *c {
			t.Errorf("%s: %+v after the purge, %+v before", v, kept[v], c)
		}
	}
	hours := stored(t, db, pl, start.Add(-24*time.Hour), start.Add(6*24*time.Hour))
	for id, h := range hours {
		if h.Hour.Before(cut) {
			t.Errorf("%s: an hour before the cut is left", id)
		}
	}
	if len(hours) == 0 {
		t.Error("the purge took every hour")
	}
}
