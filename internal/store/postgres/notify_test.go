package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/wifihk/wifihk/internal/store"
	"github.com/wifihk/wifihk/internal/store/postgres/pgtest"
)

// feedLog collects the changes a subscriber is told, for a test to wait on.
type feedLog struct {
	mu  sync.Mutex
	got []store.Change
	new chan struct{}
}

func subscribe(db *store.DB, bucket string) *feedLog {
	l := &feedLog{new: make(chan struct{}, 1)}
	db.Subscribe(bucket, func(c store.Change) {
		l.mu.Lock()
		l.got = append(l.got, c)
		l.mu.Unlock()
		select {
		case l.new <- struct{}{}:
		default:
		}
	})
	return l
}

// waitFor waits up to 5 s for a change that ok accepts, dropping those
// before it; it fails the test on timeout.
func (l *feedLog) waitFor(t *testing.T, what string, ok func(store.Change) bool) store.Change {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		l.mu.Lock()
		for i, c := range l.got {
			if ok(c) {
				l.got = l.got[i+1:]
				l.mu.Unlock()
				return c
			}
		}
		l.got = nil
		l.mu.Unlock()
		select {
		case <-l.new:
		case <-deadline:
			t.Fatalf("no change: %s", what)
		}
	}
}

// drain returns what was told so far and forgets it.
func (l *feedLog) drain() []store.Change {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.got
	l.got = nil
	return out
}

// waitListening waits until db's feed connection is up.
func waitListening(t *testing.T, db *store.DB) {
	t.Helper()
	if !db.Shared() {
		t.Fatal("a PostgreSQL store says it is not shared")
	}
	for deadline := time.Now().Add(5 * time.Second); !db.Listening(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("feed not listening after 5 s")
		}
	}
}

// Two stores on one database stand for two nodes: a commit on A reaches
// B's subscribers with its keys (any bytes), not as Local; A's own
// subscribers hear it once, as Local, not again through PostgreSQL; a
// rolled-back transaction tells nobody; many keys are cut into
// notifications under 8000 bytes and arrive whole; a huge commit says
// "reload all".
func TestFeedBetweenNodes(t *testing.T) {
	url := pgtest.NewDB(t)
	a, b := open(t, url), open(t, url)
	onA, onB := subscribe(a, store.NAS), subscribe(b, store.NAS)
	waitListening(t, a)
	waitListening(t, b)
	onB.waitFor(t, "first LISTEN's reload", func(c store.Change) bool { return c.All })
	onA.drain()

	keys := []string{"gw1", "gw 2", "gw\x00%3\xff", "网关"}
	start := time.Now()
	err := a.Update(func(tx *store.Tx) error {
		for _, k := range keys {
			if err := tx.Put(store.NAS, k, rec{1}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	c := onB.waitFor(t, "A's commit on B", func(c store.Change) bool { return !c.All })
	t.Logf("A's commit reached B's subscriber in %v", time.Since(start))
	if c.Local || c.Bucket != store.NAS || !slices.Equal(c.Keys, keys) {
		t.Errorf("on B: %+v, want keys %q", c, keys)
	}
	if got := onA.drain(); len(got) != 1 || !got[0].Local {
		t.Errorf("on A: %+v, want the commit once, Local", got)
	}

	a.Update(func(tx *store.Tx) error { tx.Put(store.NAS, "rolled-back", rec{}); return errors.New("no") })
	var many []string
	for i := range 600 {
		many = append(many, fmt.Sprintf("nas-%05d-%s", i, strings.Repeat("x", 20)))
	}
	err = a.Update(func(tx *store.Tx) error {
		for _, k := range many {
			if err := tx.Put(store.NAS, k, rec{}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for len(got) < len(many) {
		c := onB.waitFor(t, "the 600 keys", func(store.Change) bool { return true })
		if slices.Contains(c.Keys, "rolled-back") || c.All {
			t.Fatalf("on B: %+v", c)
		}
		got = append(got, c.Keys...)
	}
	if !slices.Equal(got, many) {
		t.Errorf("B got %d keys, not the 600 in order", len(got))
	}

	big := strings.Repeat("k", 1000)
	err = a.Update(func(tx *store.Tx) error {
		for i := range 1100 { // past 1 MiB of keys
			if err := tx.Put(store.NAS, fmt.Sprintf("%s%05d", big, i), rec{}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	onB.waitFor(t, "reload all after a huge commit", func(c store.Change) bool { return c.All && c.Keys == nil })
}

// When B's feed connection is lost (terminated by the server), B connects
// again, tells its subscribers to reload everything (what was committed
// meanwhile was missed), and hears later commits again.
func TestFeedReconnects(t *testing.T) {
	url := pgtest.NewDB(t)
	a, b := open(t, url), open(t, url)
	onB := subscribe(b, store.Plans)
	waitListening(t, a)
	waitListening(t, b)
	onB.waitFor(t, "first LISTEN's reload", func(c store.Change) bool { return c.All })

	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	// Both feed connections have sent their LISTEN (a node may report
	// listening a moment before the server shows it).
	const listeners = `FROM pg_stat_activity
		WHERE datname = current_database() AND query LIKE 'LISTEN%' AND pid <> pg_backend_pid()`
	var n int
	for deadline := time.Now().Add(5 * time.Second); n != 2 && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if err := conn.QueryRow(ctx, "SELECT count(*) "+listeners).Scan(&n); err != nil {
			t.Fatal(err)
		}
	}
	err = conn.QueryRow(ctx, "SELECT count(pg_terminate_backend(pid)) "+listeners).Scan(&n)
	if err != nil || n != 2 {
		t.Fatalf("terminated %d listeners: %v", n, err)
	}
	a.Update(func(tx *store.Tx) error { return tx.Put(store.Plans, "while-away", rec{}) })
	onB.waitFor(t, "reload after reconnecting", func(c store.Change) bool { return c.All && c.Bucket == store.Plans })
	waitListening(t, b)
	waitListening(t, a)
	a.Update(func(tx *store.Tx) error { return tx.Put(store.Plans, "after", rec{}) })
	onB.waitFor(t, "a commit after reconnecting", func(c store.Change) bool { return slices.Equal(c.Keys, []string{"after"}) })
}

// Writes to the quiet buckets (reports, series, receipts, audit) are not
// sent to other nodes: nobody caches them, and they are most of the
// writes.
func TestFeedQuietBuckets(t *testing.T) {
	url := pgtest.NewDB(t)
	a, b := open(t, url), open(t, url)
	onB, marker := subscribe(b, store.Series), subscribe(b, store.Orgs)
	_ = onB
	waitListening(t, a)
	waitListening(t, b)
	marker.waitFor(t, "first LISTEN's reload", func(c store.Change) bool { return c.All })
	a.Update(func(tx *store.Tx) error {
		tx.Put(store.Series, "s", rec{})
		return tx.Put(store.Orgs, "o", rec{})
	})
	c := marker.waitFor(t, "the orgs change", func(c store.Change) bool { return !c.All })
	if c.Bucket != store.Orgs {
		t.Fatal(c)
	}
	// A subscribes to nothing quiet, so it did not announce series; B's
	// subscriber heard of it nowhere but its own first reload.
	for _, c := range onB.drain() {
		if !c.All {
			t.Errorf("series announced: %+v", c)
		}
	}
}
