package store

import (
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/wifihk/wifihk/internal/datadir"
)

// A schema-1 file with APs gains the AP-by-MAC index when opened.
func TestMigrateV1IndexesAPMACs(t *testing.T) {
	path := datadir.Dir(t.TempDir()).DB()
	raw, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = raw.Update(func(tx *bolt.Tx) error {
		if err := migrations[0](tx); err != nil {
			return err
		}
		meta, _ := tx.CreateBucketIfNotExists([]byte(metaBucket))
		meta.Put([]byte("schema"), []byte("1"))
		return tx.Bucket([]byte(APs)).Put([]byte("ap-7"), []byte(`{"id":"ap-7","mac":"02:00:00:00:00:07"}`))
	})
	raw.Close()
	if err != nil {
		t.Fatal(err)
	}
	db, err := OpenFile(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if v, _ := db.Version(); v != SchemaVersion || v < 2 {
		t.Fatalf("schema %d after open, want %d", v, SchemaVersion)
	}
	var id string
	if err := db.View(func(tx *Tx) error { return tx.Get(APMACs, "02:00:00:00:00:07", &id) }); err != nil || id != "ap-7" {
		t.Fatalf("index: %q %v", id, err)
	}
}
