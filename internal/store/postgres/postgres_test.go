package postgres_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/wifihk/wifihk/internal/store"
	"github.com/wifihk/wifihk/internal/store/postgres"
	"github.com/wifihk/wifihk/internal/store/postgres/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

func open(t *testing.T, url string) *store.DB {
	t.Helper()
	db, err := postgres.Open(url, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

type rec struct{ N int }

// Keys order bytewise, as in bbolt, including bytes above 0x7f and NULs,
// and Seek pages through more records than one query returns while fn
// writes in the same transaction.
func TestKeyOrderAndPaging(t *testing.T) {
	db := open(t, pgtest.NewDB(t))
	keys := []string{"a", "a\x00", "a\x00b", "a\xff", "aa", "b", "\xc3\xa9", "\xff", "A", "0"}
	for i := range 600 {
		keys = append(keys, fmt.Sprintf("p/%04d", i))
	}
	err := db.Update(func(tx *store.Tx) error {
		for i, k := range keys {
			if err := tx.Put(store.Venues, k, rec{i}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := slices.Clone(keys)
	slices.SortFunc(want, func(a, b string) int { return bytes.Compare([]byte(a), []byte(b)) })
	var got []string
	err = db.Update(func(tx *store.Tx) error {
		return tx.Scan(store.Venues, "", func(k string, _ func(any) error) (bool, error) {
			got = append(got, k)
			return true, tx.Put(store.Devices, k, rec{}) // the connection is free between records
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("order:\n got %q\nwant %q", got[:12], want[:12])
	}
	db.View(func(tx *store.Tx) error {
		n, err := tx.Count(store.Devices)
		if n != len(keys) || err != nil {
			t.Errorf("written while scanning: %d %v", n, err)
		}
		ps, err := store.List(tx, store.Venues, store.Query[rec]{Prefix: "p/", Limit: 3})
		if err != nil || len(ps) != 3 || ps[0].N != 10 {
			t.Errorf("List prefix limit: %v %v", ps, err)
		}
		return nil
	})
}

// Two nodes sharing the database each increment one counter many times
// at once: writers are serialised across nodes, so none is lost, and
// NextID hands out every number once.
func TestNodesShareWrites(t *testing.T) {
	url := pgtest.NewDB(t)
	nodes := []*store.DB{open(t, url), open(t, url)}
	const each = 40
	var wg sync.WaitGroup
	ids := make(chan uint64, 4*each)
	for _, db := range nodes {
		for range 2 {
			wg.Go(func() {
				for range each {
					err := db.Update(func(tx *store.Tx) error {
						var c rec
						if err := tx.Get(store.Allowances, "c", &c); err != nil && !errors.Is(err, store.ErrNotFound) {
							return err
						}
						c.N++
						id, err := tx.NextID(store.Audit)
						ids <- id
						if err != nil {
							return err
						}
						return tx.Put(store.Allowances, "c", c)
					})
					if err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
	}
	wg.Wait()
	close(ids)
	var c rec
	nodes[1].View(func(tx *store.Tx) error { return tx.Get(store.Allowances, "c", &c) })
	if c.N != 4*each {
		t.Errorf("counter %d, want %d: an update was lost", c.N, 4*each)
	}
	seen := map[uint64]bool{}
	for id := range ids {
		if seen[id] || id == 0 || id > 4*each {
			t.Errorf("NextID %d twice or out of range", id)
		}
		seen[id] = true
	}
}

// A View sees one snapshot: a write committed while it runs is not in it.
func TestViewSnapshot(t *testing.T) {
	db := open(t, pgtest.NewDB(t))
	db.Update(func(tx *store.Tx) error { return tx.Put(store.Plans, "a", rec{1}) })
	err := db.View(func(tx *store.Tx) error {
		var r rec
		tx.Get(store.Plans, "a", &r)
		if err := db.Update(func(tx *store.Tx) error { return tx.Put(store.Plans, "a", rec{2}) }); err != nil {
			return err
		}
		tx.Get(store.Plans, "a", &r)
		if r.N != 1 {
			t.Errorf("View saw a later commit: %d", r.N)
		}
		return tx.Put(store.Plans, "b", rec{}) // read-only
	})
	if !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("write in a View: %v", err)
	}
}

// Backup writes a bbolt file that store.OpenFile reads back: records and
// sequences; and Copy takes it back into a fresh database.
func TestBackupRoundTrip(t *testing.T) {
	db := open(t, pgtest.NewDB(t))
	err := db.Update(func(tx *store.Tx) error {
		for i := range 5 {
			id, err := tx.NextID(store.Audit)
			if err != nil {
				return err
			}
			if err := tx.Put(store.Audit, store.SeqKey(id), rec{i}); err != nil {
				return err
			}
		}
		return tx.Put(store.Venues, "v/1", rec{7})
	})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "backup.db")
	if _, err := db.BackupFile(path); err != nil {
		t.Fatal(err)
	}
	file, err := store.OpenFile(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	check := func(name string, db *store.DB) {
		t.Helper()
		err := db.Update(func(tx *store.Tx) error {
			var v rec
			if err := tx.Get(store.Venues, "v/1", &v); err != nil || v.N != 7 {
				t.Errorf("%s: venue %v %v", name, v, err)
			}
			n, _ := tx.Count(store.Audit)
			id, err := tx.NextID(store.Audit)
			if n != 5 || id != 6 {
				t.Errorf("%s: audit %d records, next id %d", name, n, id)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	check("backup", file)
	file.Close()

	be, err := postgres.OpenBackend(pgtest.NewDB(t))
	if err != nil {
		t.Fatal(err)
	}
	src := must(store.OpenBolt(path, store.Options{}))
	counts, err := store.Copy(be, src)
	src.Close()
	if err != nil || counts[store.Audit] != 5 || counts[store.Venues] != 1 {
		t.Fatalf("copy: %v %v", counts, err)
	}
	back, err := store.New(be, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer back.Close()
	src = must(store.OpenBolt(path, store.Options{}))
	defer src.Close()
	if _, err := store.Copy(be, src); err == nil {
		t.Error("Copy into a store that holds records must fail")
	}
	var id uint64
	back.Update(func(tx *store.Tx) (err error) { id, err = tx.NextID(store.Audit); return err })
	if id != 7 { // the backup's check took 6
		t.Errorf("sequence after copy: next %d, want 7", id)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// When the server goes away, reads and writes are ErrUnavailable, not
// ErrNotFound or a panic; New on an unreachable server fails the same way.
func TestServerGone(t *testing.T) {
	s := pgtest.Private(t, pgtest.Options{Durable: true}) // a crash keeps what was committed
	url, err := s.CreateDB()
	if err != nil {
		t.Fatal(err)
	}
	db := open(t, url)
	if err := db.Update(func(tx *store.Tx) error { return tx.Put(store.Plans, "a", rec{1}) }); err != nil {
		t.Fatal(err)
	}
	s.Kill()
	if err := db.View(func(tx *store.Tx) error { return tx.Get(store.Plans, "a", &rec{}) }); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("View: %v", err)
	}
	if err := db.Update(func(tx *store.Tx) error { return tx.Put(store.Plans, "a", rec{}) }); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Update: %v", err)
	}
	if _, err := postgres.Open(url, store.Options{}); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Open: %v", err)
	}
	// Back again: the same DB carries on, with what was committed.
	if err := s.Restart(); err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *store.Tx) error { return tx.Put(store.Plans, "b", rec{2}) }); err != nil {
		t.Errorf("Update after restart: %v", err)
	}
	var r rec
	if err := db.View(func(tx *store.Tx) error { return tx.Get(store.Plans, "a", &r) }); err != nil || r.N != 1 {
		t.Errorf("committed before the crash: %v %v", r, err)
	}
}

// Concurrent Batch calls share transactions; one whose fn fails gets its
// own error and leaves nothing behind, and the others all commit.
func TestBatchGroupCommit(t *testing.T) {
	db := open(t, pgtest.NewDB(t))
	errBad := errors.New("bad record")
	var wg sync.WaitGroup
	errs := make([]error, 50)
	for i := range errs {
		wg.Go(func() {
			errs[i] = db.Batch(func(tx *store.Tx) error {
				if err := tx.Put(store.Series, fmt.Sprintf("k%02d", i), rec{i}); err != nil {
					return err
				}
				if i == 7 {
					return errBad
				}
				return nil
			})
		})
	}
	wg.Wait()
	for i, err := range errs {
		if (i == 7) != (err == errBad) {
			t.Errorf("call %d: %v", i, err)
		}
	}
	db.View(func(tx *store.Tx) error {
		n, _ := tx.Count(store.Series)
		if n != 49 || tx.Has(store.Series, "k07") {
			t.Errorf("%d records, k07 there: %v", n, tx.Has(store.Series, "k07"))
		}
		return nil
	})
}
