package store_test

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wifihk/wifihk/internal/store"
)

func TestCompactFileShrinksAfterAPurge(t *testing.T) {
	path := filepath.Join(t.TempDir(), "wifihk.db")
	db, err := store.OpenFile(path, store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	pad := strings.Repeat("x", 900)
	for chunk := range 10 {
		err := db.Update(func(tx *store.Tx) error {
			for i := range 2000 {
				if err := tx.Put(store.Sessions, fmt.Sprintf("s/%02d-%05d", chunk, i), pad); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	err = db.Update(func(tx *store.Tx) error { // keep chunk 9 only
		for chunk := range 9 {
			for i := range 2000 {
				if err := tx.Delete(store.Sessions, fmt.Sprintf("s/%02d-%05d", chunk, i)); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := store.CompactFile(path, store.Options{LockTimeout: 50e6}); !errors.Is(err, store.ErrLocked) {
		t.Fatalf("compacting a file in use: %v", err)
	}
	db.Close()
	before, after, err := store.CompactFile(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if after >= before/4 {
		t.Fatalf("compaction: %d -> %d bytes, want under a quarter", before, after)
	}
	db, err = store.OpenFile(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Check(); err != nil {
		t.Fatal(err)
	}
	var n int
	db.View(func(tx *store.Tx) (err error) { n, err = tx.Count(store.Sessions); return err })
	var v string
	if err := db.View(func(tx *store.Tx) error { return tx.Get(store.Sessions, "s/09-01999", &v) }); err != nil || v != pad || n != 2000 {
		t.Fatalf("after compaction: %d records, last %d bytes, %v", n, len(v), err)
	}
	t.Logf("%d -> %d bytes", before, after)
}
