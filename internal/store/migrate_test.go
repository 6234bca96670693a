package store

import (
	"slices"
	"strconv"
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
		if err := migrations[0].apply(boltTx{tx}); err != nil {
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

// oldFile writes a data file at schema version v, filled by fill.
func oldFile(t *testing.T, v int, fill func(tx *bolt.Tx) error) string {
	t.Helper()
	path := datadir.Dir(t.TempDir()).DB()
	raw, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = raw.Update(func(tx *bolt.Tx) error {
		for _, m := range migrations[:v] {
			if err := m.apply(boltTx{tx}); err != nil {
				return err
			}
		}
		meta, _ := tx.CreateBucketIfNotExists([]byte(metaBucket))
		meta.Put([]byte("schema"), []byte(strconv.Itoa(v)))
		return fill(tx)
	})
	raw.Close()
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// Schema 3 moves the agents' tokens out of the staff's bucket and the
// portal's key out of the visitors' one.
func TestMigrateV2SplitsTokens(t *testing.T) {
	path := oldFile(t, 2, func(tx *bolt.Tx) error {
		tok := tx.Bucket([]byte(Tokens))
		tok.Put([]byte("h-agent"), []byte(`{"kind":"agent","id":"ap-3"}`))
		tok.Put([]byte("h-staff"), []byte(`{"kind":"staff","id":"alice"}`))
		ev := tx.Bucket([]byte(PortalEvents))
		ev.Put([]byte("key/forms"), []byte(`"sealed"`))
		return ev.Put([]byte("voucher-batch/1"), []byte(`{}`))
	})
	db, err := OpenFile(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.View(func(tx *Tx) error {
		var id string
		if err := tx.Get(AgentTokens, "h-agent", &id); err != nil || id != "ap-3" {
			t.Errorf("agent token: %q %v", id, err)
		}
		if tx.Has(Tokens, "h-agent") || !tx.Has(Tokens, "h-staff") {
			t.Error("tokens must keep the staff's tokens only")
		}
		if tx.Has(PortalEvents, "key/forms") || !tx.Has(PortalEvents, "voucher-batch/1") {
			t.Error("portal_events must keep the visitors' records only")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Buckets names exactly the buckets a store has, opened new or migrated
// from the first schema.
func TestBucketsAreTheFilesBuckets(t *testing.T) {
	fresh := datadir.Dir(t.TempDir()).DB()
	for name, path := range map[string]string{"new": fresh, "migrated": oldFile(t, 1, func(*bolt.Tx) error { return nil })} {
		db, err := OpenFile(path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		db.be.(*boltBackend).db.View(func(tx *bolt.Tx) error {
			return tx.ForEach(func(n []byte, _ *bolt.Bucket) error {
				if string(n) != metaBucket {
					got = append(got, string(n))
				}
				return nil
			})
		})
		db.Close()
		want := Buckets()
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s: file has %v, Buckets() %v", name, got, want)
		}
	}
}
