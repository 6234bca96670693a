package store_test

import (
	"bytes"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/wifihk/wifihk/internal/store"
)

// sealFixture stores three NAS records and returns the file's path.
func sealFixture(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "seal.db")
	db, err := store.OpenFile(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *store.Tx) error {
		for _, k := range []string{"a", "b", "c"} {
			if err := tx.Put(store.NAS, k, rec{"nas " + k}); err != nil {
				return err
			}
		}
		return nil
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// rawEdit changes the stored bytes with bbolt directly, as a disk would.
func rawEdit(t *testing.T, path string, fn func(b *bolt.Bucket) error) {
	t.Helper()
	raw, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = raw.Update(func(tx *bolt.Tx) error { return fn(tx.Bucket([]byte(store.NAS))) })
	raw.Close()
	if err != nil {
		t.Fatal(err)
	}
}

// A byte of a record changed on disk, in its value or in its key, and the
// JSON still decodes: the checksum tells, and every reader sees a damaged
// record instead of a wrong one.
func TestSealedRecordsShowDamage(t *testing.T) {
	path := sealFixture(t)
	rawEdit(t, path, func(b *bolt.Bucket) error {
		v := bytes.Clone(b.Get([]byte("a")))
		v[bytes.Index(v, []byte("nas a"))+4] = 'z' // still JSON: {"Name":"nas z"}
		if err := b.Put([]byte("a"), v); err != nil {
			return err
		}
		moved := bytes.Clone(b.Get([]byte("c"))) // key "c" becomes "d", value as it was
		if err := b.Delete([]byte("c")); err != nil {
			return err
		}
		return b.Put([]byte("d"), moved)
	})
	db, err := store.OpenFile(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.View(func(tx *store.Tx) error {
		var r rec
		if err := tx.Get(store.NAS, "a", &r); !errors.Is(err, store.ErrDamagedRecord) || !strings.Contains(err.Error(), "checksum") {
			t.Errorf("Get(a) = %+v, %v; want a damaged record (checksum)", r, err)
		}
		if err := tx.Get(store.NAS, "b", &r); err != nil || r.Name != "nas b" {
			t.Errorf("Get(b) = %+v, %v; want the intact record", r, err)
		}
		all, err := store.List(tx, store.NAS, store.Query[rec]{})
		if err != nil || len(all) != 1 || all[0].Name != "nas b" {
			t.Errorf("List = %+v, %v; want only the intact record", all, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.DamageError(); err == nil || !strings.Contains(err.Error(), "nas/a") {
		t.Errorf("DamageError = %v, want it to name nas/a", err)
	}
	found, err := db.CheckRecords()
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, d := range found {
		keys = append(keys, d.Key+": "+d.Reason)
	}
	if got := strings.Join(keys, "; "); !strings.Contains(got, "a: checksum") || !strings.Contains(got, "d: checksum") {
		t.Errorf("CheckRecords = %s; want a and d, by checksum", got)
	}
}

// A record written before seals (plain JSON) is read as it was.
func TestUnsealedRecordsStillRead(t *testing.T) {
	path := sealFixture(t)
	rawEdit(t, path, func(b *bolt.Bucket) error { return b.Put([]byte("old"), []byte(`{"Name":"from before"}`)) })
	db, err := store.OpenFile(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var r rec
	if err := db.View(func(tx *store.Tx) error { return tx.Get(store.NAS, "old", &r) }); err != nil || r.Name != "from before" {
		t.Fatalf("Get(old) = %+v, %v", r, err)
	}
	if found, err := db.CheckRecords(); err != nil || len(found) != 0 {
		t.Fatalf("CheckRecords = %v, %v; want none", found, err)
	}
}
