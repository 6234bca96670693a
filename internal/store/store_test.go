package store_test

import (
	"bytes"
	"errors"
	"path/filepath"
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
