package usage_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/wifihk/wifihk/accounting"
	"github.com/wifihk/wifihk/internal/store"
	"github.com/wifihk/wifihk/internal/store/postgres"
	"github.com/wifihk/wifihk/internal/store/postgres/pgtest"
	"github.com/wifihk/wifihk/usage"
)

// TestTwoNodesAddToTheSameCells: two nodes of a cluster, each its own
// store (connection pool), accounting store and aggregator on one private
// PostgreSQL, take half of a synthetic day's sessions each, at the same
// venues in the same hours, from the same devices, and flush after every
// 100 packets, at the same time. Every stored hour and venue day must
// hold both nodes' figures: sessions, bytes, time and AP reports added,
// devices merged (the union, within the sketch's error). A flush that
// overwrote a cell, or a sketch, would lose the other node's figures.
// Peak is each node's own (the larger is kept), so it is not compared.
func TestTwoNodesAddToTheSameCells(t *testing.T) {
	srv := pgtest.Private(t, pgtest.Options{})
	url, err := srv.CreateDB()
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	day := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	pl, ss := synth(rng, day, 24*time.Hour, 2000, 150)
	var half [2][]synthSession
	for i, s := range ss {
		s.nas = fmt.Sprintf("node%d", i%2)
		half[i%2] = append(half[i%2], s)
	}
	tr := computeTruth(pl, ss)
	aps := map[string]*usage.Cell{}
	type node struct {
		db   *store.DB
		acct *accounting.Store
		agg  *usage.Aggregator
	}
	var nodes [2]node
	for i := range nodes {
		db, err := postgres.Open(url, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		n := node{db: db, acct: accounting.New(db), agg: usage.NewAggregator(pl, []byte("cluster key"))}
		t.Cleanup(func() { n.acct.Close() })
		n.acct.Observe(n.agg.Sessions)
		nodes[i] = n
	}
	// AP reports, alternately to the two nodes.
	k := 0
	for v, p := range pl {
		for m := 0; m < 24*60; m += 10 {
			at := day.Add(time.Duration(m) * time.Minute)
			n := rng.IntN(40)
			nodes[k%2].agg.APReport(v, at, n)
			k++
			for _, sc := range scopesOf(p, v) {
				id := cellID(sc, at.Truncate(time.Hour))
				c := aps[id]
				if c == nil {
					c = &usage.Cell{}
					aps[id] = c
				}
				c.APReports++
				c.ClientsSum += int64(n)
				c.ClientsMax = max(c.ClientsMax, int64(n))
			}
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	flushes := [2]int{}
	for i := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n := nodes[i]
			us := packets(half[i])
			for j := 0; j < len(us); j += 100 {
				part := us[j:min(j+100, len(us))]
				if _, es := n.acct.ApplyAll(part); firstErr(es) != nil {
					errs <- firstErr(es)
					return
				}
				if _, err := usage.Flush(n.db, n.agg, part[len(part)-1].At); err != nil {
					errs <- err
					return
				}
				flushes[i]++
			}
			_, err := usage.Flush(n.db, n.agg, day.Add(48*time.Hour))
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("flushes: %d and %d, concurrently", flushes[0], flushes[1])
	got := stored(t, nodes[0].db, pl, day, day.Add(48*time.Hour))
	bad := 0
	for id, want := range tr.cells {
		g, w := got[id], *want
		if a := aps[id]; a != nil {
			w.APReports, w.ClientsSum, w.ClientsMax = a.APReports, a.ClientsSum, a.ClientsMax
		}
		n := int64(len(tr.devices[id]))
		if diff := math.Abs(float64(g.Devices - n)); diff > math.Max(1, 3*usage.StdError*float64(n)) {
			t.Errorf("%s: devices %d, want %d (both nodes' devices, merged)", id, g.Devices, n)
		}
		w.Devices, w.Peak = g.Devices, g.Peak
		if g.Cell != w && bad < 10 {
			bad++
			t.Errorf("%s:\n got %+v\nwant %+v (both nodes' figures added)", id, g.Cell, w)
		}
	}
	if len(tr.cells) < 500 {
		t.Fatalf("only %d cells: too few to share", len(tr.cells))
	}
	// The venue days, from the other node's connection.
	var days map[string]*usage.Cell
	err = nodes[1].db.View(func(tx *store.Tx) (err error) {
		days, err = usage.VenueDays(tx, "", day, day.Add(24*time.Hour))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var want, gotSum usage.Cell
	for id, c := range tr.cells {
		if id[:2] == "v:" {
			want.Sessions += c.Sessions
			want.BytesDown += c.BytesDown
			want.Seconds += c.Seconds
		}
	}
	for _, c := range days {
		gotSum.Sessions += c.Sessions
		gotSum.BytesDown += c.BytesDown
		gotSum.Seconds += c.Seconds
	}
	if gotSum != want {
		t.Errorf("venue days add up to %+v, want %+v", gotSum, want)
	}
}

func firstErr(es []error) error {
	for _, err := range es {
		if err != nil {
			return err
		}
	}
	return nil
}
