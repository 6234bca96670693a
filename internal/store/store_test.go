package store_test

import (
	"bytes"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/wifihk/wifihk/internal/store"
	"github.com/wifihk/wifihk/internal/storetest"
)

type rec struct{ Name string }

func TestRecordRoundTrip(t *testing.T) {
	db := storetest.Open(t)
	err := db.Update(func(tx *store.Tx) error {
		if err := tx.Insert(store.NAS, "a", rec{"one"}); err != nil {
			return err
		}
		return tx.Insert(store.NAS, "a", rec{"two"})
	})
	if !errors.Is(err, store.ErrExists) {
		t.Fatalf("second insert: got %v, want ErrExists", err)
	}
	// The failed transaction rolled back the first insert too.
	err = db.View(func(tx *store.Tx) error { return tx.Get(store.NAS, "a", &rec{}) })
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("after rollback: got %v, want ErrNotFound", err)
	}
}

func TestScanPrefixInOrder(t *testing.T) {
	db := storetest.Open(t)
	db.Update(func(tx *store.Tx) error {
		for _, k := range []string{"b/2", "a/1", "b/1", "c/1"} {
			if err := tx.Put(store.Venues, k, rec{k}); err != nil {
				return err
			}
		}
		return nil
	})
	var got []string
	db.View(func(tx *store.Tx) error {
		return tx.Scan(store.Venues, "b/", func(k string, dec func(any) error) (bool, error) {
			var r rec
			if err := dec(&r); err != nil {
				return false, err
			}
			got = append(got, r.Name)
			return true, nil
		})
	})
	if len(got) != 2 || got[0] != "b/1" || got[1] != "b/2" {
		t.Fatalf("scan b/: got %v", got)
	}
}

func TestUnknownBucketNamesIt(t *testing.T) {
	db := storetest.Open(t)
	err := db.Update(func(tx *store.Tx) error { return tx.Put("nope", "k", 1) })
	if err == nil || !bytes.Contains([]byte(err.Error()), []byte(`"nope"`)) {
		t.Fatalf("got %v, want error naming the bucket", err)
	}
}

func TestSecondOpenIsLocked(t *testing.T) {
	dir := t.TempDir()
	db, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_, err = store.Open(dir, store.Options{LockTimeout: 50e6})
	if !errors.Is(err, store.ErrLocked) {
		t.Fatalf("got %v, want ErrLocked", err)
	}
}

func TestBatchAndBackupWhileWriting(t *testing.T) {
	db := storetest.Open(t)
	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			err := db.Batch(func(tx *store.Tx) error {
				return tx.Put(store.Sessions, store.SeqKey(uint64(i)), rec{"x"})
			})
			if err != nil {
				t.Error(err)
			}
		}(i)
	}
	path := filepath.Join(t.TempDir(), "copy.db")
	if _, err := db.BackupFile(path); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	back, err := store.OpenFile(path, store.Options{})
	if err != nil {
		t.Fatalf("backup does not open: %v", err)
	}
	defer back.Close()
	if v, err := back.Version(); err != nil || v != store.SchemaVersion {
		t.Fatalf("backup schema %d %v", v, err)
	}
}

func TestSeqKeySorts(t *testing.T) {
	if !(store.SeqKey(9) < store.SeqKey(10)) {
		t.Fatal("SeqKey(9) should sort before SeqKey(10)")
	}
}

func TestList(t *testing.T) {
	db := storetest.Open(t)
	db.Update(func(tx *store.Tx) error {
		for _, k := range []string{"a/1", "b/1", "b/2", "b/3", "b/4", "c/1"} {
			if err := tx.Put(store.Venues, k, rec{k}); err != nil {
				return err
			}
		}
		return nil
	})
	notB3 := func(r *rec) bool { return r.Name != "b/3" }
	for _, tc := range []struct {
		name string
		q    store.Query[rec]
		want string
	}{
		{"all", store.Query[rec]{}, "a/1 b/1 b/2 b/3 b/4 c/1"},
		{"prefix", store.Query[rec]{Prefix: "b/"}, "b/1 b/2 b/3 b/4"},
		{"range", store.Query[rec]{Prefix: "b/", From: "b/2", To: "b/4"}, "b/2 b/3"},
		{"from before prefix", store.Query[rec]{Prefix: "b/", From: "a"}, "b/1 b/2 b/3 b/4"},
		{"keep and limit", store.Query[rec]{Prefix: "b/", Keep: notB3, Limit: 3}, "b/1 b/2 b/4"},
		{"none", store.Query[rec]{Prefix: "d/"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []rec
			err := db.View(func(tx *store.Tx) (err error) {
				got, err = store.List(tx, store.Venues, tc.q)
				return err
			})
			var names []string
			for _, r := range got {
				names = append(names, r.Name)
			}
			if err != nil || strings.Join(names, " ") != tc.want {
				t.Fatalf("got %v %v, want %s", names, err, tc.want)
			}
		})
	}
}

// A bad record is named (issue 12: it no longer fails the whole List,
// see TestListSkipsAndReportsDamagedRecord).
func TestListNamesTheBadRecord(t *testing.T) {
	db := storetest.Open(t)
	db.Update(func(tx *store.Tx) error { return tx.PutRaw(store.Orgs, "x", []byte(`{"Name":1}`)) })
	err := db.View(func(tx *store.Tx) error { _, err := store.List(tx, store.Orgs, store.Query[rec]{}); return err })
	if err != nil {
		t.Fatal(err)
	}
	if err := db.DamageError(); err == nil || !strings.Contains(err.Error(), "orgs/x") {
		t.Fatalf("got %v, want an error naming orgs/x", err)
	}
}

// The store's own failures are told apart from what a transaction returns.
func TestClosedStoreIsUnavailable(t *testing.T) {
	db, err := store.Open(t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	mine := errors.New("mine")
	if err := db.Update(func(*store.Tx) error { return mine }); err != mine {
		t.Fatalf("fn's error: got %v", err)
	}
	db.Close()
	for name, txn := range map[string]func(func(*store.Tx) error) error{"View": db.View, "Update": db.Update, "Batch": db.Batch} {
		err := txn(func(*store.Tx) error { return nil })
		if !errors.Is(err, store.ErrUnavailable) {
			t.Errorf("%s on a closed store: got %v, want ErrUnavailable", name, err)
		}
	}
}
