package store

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
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
		if err := migrations[0].apply(boltTx{tx}, Options{}); err != nil {
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
			if err := m.apply(boltTx{tx}, Options{}); err != nil {
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

// A schema-3 file kept voucher codes in clear: schema 4 stores each
// voucher under an HMAC of its code, under a key from master.key, and
// each batch keeps its codes' names and last 4 characters only. Without
// the key it refuses, changing nothing.
func TestMigrateV3HashesVoucherCodes(t *testing.T) {
	records := map[string]map[string]string{
		Credentials: {
			"ABCDEFGH23": `{"username":"ABCDEFGH23","kind":"voucher","secret_sealed":"sealed","uses_left":2,"org":"lib","created":"2025-01-01T00:00:00Z"}`,
			"ot-1":       `{"username":"ot-1","kind":"onetime","uses_left":1,"created":"2025-01-01T00:00:00Z"}`,
		},
		PortalEvents: {
			"voucher-batch/vb-1": `{"id":"vb-1","codes":["ABCDEFGH23","ZZZZZZZZ99"],"duration_s":3600,"uses":2,"org":"lib"}`,
			"signup/x":           `{"codes":["kept"]}`,
		},
	}
	path := oldFile(t, 3, func(tx *bolt.Tx) error {
		for b, kv := range records {
			for k, v := range kv {
				if err := tx.Bucket([]byte(b)).Put([]byte(k), []byte(v)); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if _, err := OpenFile(path, Options{}); !errors.Is(err, ErrNeedKey) {
		t.Fatalf("open without a key: %v, want ErrNeedKey", err)
	}
	key := bytes.Repeat([]byte{7}, 32)
	derive := func(label string) []byte {
		m := hmac.New(sha256.New, key)
		m.Write([]byte(label))
		return m.Sum(nil)
	}
	nameOf := func(code string) string {
		m := hmac.New(sha256.New, derive("visitors voucher"))
		m.Write([]byte(code))
		return "vc-" + hex.EncodeToString(m.Sum(nil)[:16])
	}
	db, err := OpenFile(path, Options{Key: derive})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if v, _ := db.Version(); v != SchemaVersion || v < 4 {
		t.Fatalf("schema %d after open, want %d", v, SchemaVersion)
	}
	err = db.View(func(tx *Tx) error {
		for _, b := range []string{Credentials, PortalEvents} {
			err := tx.Scan(b, "", func(k string, decode func(any) error) (bool, error) {
				var raw json.RawMessage
				decode(&raw)
				for _, code := range []string{"ABCDEFGH23", "ZZZZZZZZ99"} {
					if strings.Contains(k, code) || strings.Contains(string(raw), code) {
						t.Errorf("%s %s still holds code %s: %s", b, k, code, raw)
					}
				}
				return true, nil
			})
			if err != nil {
				return err
			}
		}
		var v struct {
			Username, Kind, Org string
			SecretSealed        string `json:"secret_sealed"`
			UsesLeft            int    `json:"uses_left"`
		}
		if err := tx.Get(Credentials, nameOf("ABCDEFGH23"), &v); err != nil {
			return err
		}
		if v.Username != nameOf("ABCDEFGH23") || v.Kind != "voucher" || v.SecretSealed != "sealed" || v.UsesLeft != 2 || v.Org != "lib" {
			t.Errorf("voucher after upgrade: %+v", v)
		}
		if !tx.Has(Credentials, "ot-1") {
			t.Error("a one-time credential moved")
		}
		var b struct {
			ID           string
			Names, Hints []string
			Codes        []string
			Uses         int
		}
		if err := tx.Get(PortalEvents, "voucher-batch/vb-1", &b); err != nil {
			return err
		}
		if b.ID != "vb-1" || b.Uses != 2 || b.Codes != nil ||
			!slices.Equal(b.Names, []string{nameOf("ABCDEFGH23"), nameOf("ZZZZZZZZ99")}) || !slices.Equal(b.Hints, []string{"GH23", "ZZ99"}) {
			t.Errorf("batch after upgrade: %+v", b)
		}
		var other struct{ Codes []string }
		if err := tx.Get(PortalEvents, "signup/x", &other); err != nil || len(other.Codes) != 1 {
			t.Errorf("a record that is no batch changed: %+v %v", other, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A schema-3 file without vouchers needs no key to upgrade.
func TestMigrateV3WithoutVouchersNeedsNoKey(t *testing.T) {
	db, err := OpenFile(oldFile(t, 3, func(*bolt.Tx) error { return nil }), Options{})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
}
