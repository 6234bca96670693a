package store

import (
	"errors"
	"slices"
	"testing"
)

// GetRawMany returns the records that exist, each once, and sees what its
// own transaction wrote; an error from fn comes back as it is.
func TestGetRawMany(t *testing.T) {
	type rec struct{ N int }
	for name, open := range backends() {
		t.Run(name, func(t *testing.T) {
			db := open(t)
			defer db.Close()
			err := db.Update(func(tx *Tx) error {
				for i, k := range []string{"a", "b", "c"} {
					if err := tx.Put(Venues, k, rec{i}); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			err = db.Update(func(tx *Tx) error {
				if err := tx.Delete(Venues, "b"); err != nil {
					return err
				}
				if err := tx.Put(Venues, "d", rec{3}); err != nil {
					return err
				}
				var got []string
				err := tx.GetRawMany(Venues, []string{"a", "b", "d", "zz"}, func(k string, raw []byte) error {
					got = append(got, k+"="+string(raw))
					return nil
				})
				slices.Sort(got)
				if want := []string{`a={"N":0}`, `d={"N":3}`}; err != nil || !slices.Equal(got, want) {
					t.Errorf("GetRawMany: %q %v, want %q", got, err, want)
				}
				stop := errors.New("stop")
				if err := tx.GetRawMany(Venues, []string{"a"}, func(string, []byte) error { return stop }); err != stop {
					t.Errorf("fn's error: %v", err)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}

// Within a transaction every read sees the writes before it, in order,
// however the backend sends them (PostgreSQL queues writes until a read).
func TestReadYourWrites(t *testing.T) {
	type rec struct{ N int }
	for name, open := range backends() {
		t.Run(name, func(t *testing.T) {
			db := open(t)
			defer db.Close()
			err := db.Update(func(tx *Tx) error {
				tx.Put(Venues, "k", rec{1})
				tx.Delete(Venues, "k")
				tx.Put(Venues, "k", rec{7})
				tx.Put(Venues, "k", rec{2})
				tx.Put(Venues, "j", rec{3})
				tx.Delete(Venues, "j")
				var r rec
				if err := tx.Get(Venues, "k", &r); err != nil || r.N != 2 {
					t.Errorf("get after put, delete, put: %v %v", r, err)
				}
				if tx.Has(Venues, "j") {
					t.Error("j deleted, still there")
				}
				tx.Put(Venues, "l", rec{4})
				got, err := List(tx, Venues, Query[rec]{})
				if err != nil || len(got) != 2 || got[0].N != 2 || got[1].N != 4 {
					t.Errorf("list: %v %v", got, err)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			// A failed transaction leaves none of its queued writes.
			boom := errors.New("boom")
			if err := db.Update(func(tx *Tx) error { tx.Put(Venues, "m", rec{5}); return boom }); err != boom {
				t.Fatal(err)
			}
			db.View(func(tx *Tx) error {
				if tx.Has(Venues, "m") {
					t.Error("rolled-back write is there")
				}
				if n, _ := tx.Count(Venues); n != 2 {
					t.Errorf("count after commit: %d", n)
				}
				return nil
			})
		})
	}
}
