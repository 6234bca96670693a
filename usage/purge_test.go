package usage_test

import (
	"math/rand/v2"
	"path/filepath"
	"sync/atomic"
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

// scanCounter counts the usage records that scans pass.
type scanCounter struct {
	store.Backend
	passed atomic.Int64
}

func (b *scanCounter) View(fn func(store.BackendTx) error) error {
	return b.Backend.View(func(tx store.BackendTx) error { return fn(countingTx{tx, b}) })
}

func (b *scanCounter) Update(fn func(store.BackendTx) error) error {
	return b.Backend.Update(func(tx store.BackendTx) error { return fn(countingTx{tx, b}) })
}

type countingTx struct {
	store.BackendTx
	b *scanCounter
}

func (tx countingTx) Seek(bucket string, from []byte, fn func(k, v []byte) (bool, error)) error {
	return tx.BackendTx.Seek(bucket, from, func(k, v []byte) (bool, error) {
		if bucket == store.Usage {
			tx.b.passed.Add(1)
		}
		return fn(k, v)
	})
}

// A purge of old days reads only what it removes (and, when the cut is
// within a day, that day's hours): ten days of hours, the first three
// purged, and the other seven never passed.
func TestPurgeReadsOnlyWhatItRemoves(t *testing.T) {
	dir := t.TempDir()
	be, err := store.OpenBolt(filepath.Join(dir, "wifihk.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	counter := &scanCounter{Backend: be}
	db, err := store.New(counter, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rng := rand.New(rand.NewPCG(7, 8))
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	pl, ss := synth(rng, start, 10*24*time.Hour, 1000, 100)
	a := usage.NewAggregator(pl, []byte("k"))
	a.Replay(records(ss))
	if _, err := usage.Flush(db, a, start.Add(11*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	var total int
	db.View(func(tx *store.Tx) (err error) { total, err = usage.Records(tx); return err })
	for _, c := range []struct {
		name string
		cut  time.Time
		most int // records passed beyond those removed
	}{
		{"whole days", start.Add(2 * 24 * time.Hour), 20},
		{"within a day", start.Add(3*24*time.Hour + 5*time.Hour), total / 4}, // the cut day's hours, twice
	} {
		counter.passed.Store(0)
		n, err := usage.Purge(db, c.cut, c.cut)
		if err != nil || n == 0 {
			t.Fatalf("%s: purge: %d, %v", c.name, n, err)
		}
		if passed := int(counter.passed.Load()); passed > n+c.most {
			t.Errorf("%s: the purge of %d records passed %d of %d", c.name, n, passed, total)
		}
		if hours := stored(t, db, pl, start, c.cut.Add(-time.Hour)); len(hours) != 0 {
			t.Errorf("%s: %d hours before the cut are left", c.name, len(hours))
		}
		if hours := stored(t, db, pl, c.cut, start.Add(11*24*time.Hour)); len(hours) == 0 {
			t.Errorf("%s: the purge took the hours after the cut", c.name)
		}
	}
}
