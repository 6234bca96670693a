package store

import (
	"errors"
	"slices"
	"sync"
	"testing"
)

// changeLog collects what a subscriber is told.
type changeLog struct {
	mu  sync.Mutex
	got []Change
}

func (l *changeLog) add(c Change) {
	l.mu.Lock()
	l.got = append(l.got, c)
	l.mu.Unlock()
}

func (l *changeLog) take() []Change {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.got
	l.got = nil
	return out
}

// The feed's local contract holds on every backend: a commit tells the
// subscribers of each bucket it wrote, before Update returns, which keys
// it put or deleted (each once); a failed Update and a View tell nobody;
// each Batch caller's writes are told once; cancel stops delivery. A
// shared backend's other processes get no echo of their own commits here:
// postgres's notify_test.go covers the feed between processes.
func TestFeedConformance(t *testing.T) {
	type rec struct{ N int }
	for name, open := range backends() {
		t.Run(name, func(t *testing.T) {
			db := open(t)
			defer db.Close()
			var venues, nas changeLog
			cancel := db.Subscribe(Venues, venues.add)
			db.Subscribe(NAS, nas.add)
			venues.take() // a shared backend's first LISTEN says "reload"
			err := db.Update(func(tx *Tx) error {
				for _, k := range []string{"b/1", "a/1", "b/1", "a\x00\xff"} {
					if err := tx.Put(Venues, k, rec{1}); err != nil {
						return err
					}
				}
				if err := tx.Delete(Venues, "a/1"); err != nil {
					return err
				}
				return tx.Put(Orgs, "o", rec{})
			})
			if err != nil {
				t.Fatal(err)
			}
			got := local(venues.take())
			want := []Change{{Bucket: Venues, Keys: []string{"b/1", "a/1", "a\x00\xff"}, Local: true}}
			if !equalChanges(got, want) {
				t.Errorf("after Update: %+v, want %+v", got, want)
			}
			if got := local(nas.take()); len(got) != 0 {
				t.Errorf("a bucket not written was told: %+v", got)
			}
			fail := errors.New("no")
			db.Update(func(tx *Tx) error { tx.Put(Venues, "x", rec{}); return fail })
			db.View(func(tx *Tx) error { return nil })
			if got := local(venues.take()); len(got) != 0 {
				t.Errorf("a failed Update was told: %+v", got)
			}
			var wg sync.WaitGroup
			for i := range 20 {
				wg.Go(func() {
					key := string(rune('a' + i))
					if err := db.Batch(func(tx *Tx) error { return tx.Put(NAS, key, rec{i}) }); err != nil {
						t.Error(err)
					}
				})
			}
			wg.Wait()
			var keys []string
			for _, c := range local(nas.take()) {
				keys = append(keys, c.Keys...)
			}
			n := len(keys)
			slices.Sort(keys)
			if n != 20 || len(slices.Compact(keys)) != 20 {
				t.Errorf("Batch: %d keys told, want 20 once each", n)
			}
			cancel()
			db.Update(func(tx *Tx) error { return tx.Put(Venues, "c/1", rec{}) })
			if got := local(venues.take()); len(got) != 0 {
				t.Errorf("told after cancel: %+v", got)
			}
		})
	}
}

// local keeps the changes made through this DB.
func local(cs []Change) []Change {
	return slices.DeleteFunc(cs, func(c Change) bool { return !c.Local })
}

func equalChanges(a, b []Change) bool {
	return slices.EqualFunc(a, b, func(x, y Change) bool {
		return x.Bucket == y.Bucket && x.All == y.All && x.Local == y.Local && slices.Equal(x.Keys, y.Keys)
	})
}

// A bbolt file has one process writing it: not shared unless the
// Options say so (tests that run two nodes' writers on one file).
func TestSharedOnlyWhenSaid(t *testing.T) {
	for _, shared := range []bool{false, true} {
		db, err := Open(t.TempDir(), Options{Shared: shared})
		if err != nil {
			t.Fatal(err)
		}
		if db.Shared() != shared {
			t.Errorf("Options{Shared: %v}: Shared() = %v", shared, db.Shared())
		}
		db.Close()
	}
}
