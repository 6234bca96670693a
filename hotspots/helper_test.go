package hotspots_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/internal/secrets"
	"github.com/wifihk/wifihk/internal/store"
	"github.com/wifihk/wifihk/internal/storetest"
)

func newRegistry(t testing.TB) *hotspots.Registry {
	t.Helper()
	return newRegistryOn(t, storetest.Open(t))
}

// newRegistryOn opens a registry on db, as a restart does.
func newRegistryOn(t testing.TB, db *store.DB) *hotspots.Registry {
	t.Helper()
	sealer, err := secrets.New(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	r, err := hotspots.New(db, sealer)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func openStore(t testing.TB) *store.DB { return storetest.Open(t) }

// putVenueRaw writes a venue record as it is, as an older program did.
func putVenueRaw(t testing.TB, db *store.DB, v hotspots.Venue) {
	t.Helper()
	if err := db.Update(func(tx *store.Tx) error { return tx.Put(store.Venues, v.Key().String(), v) }); err != nil {
		t.Fatal(err)
	}
}

// realCSV is the shared Wi-Fi.HK export, or a skip when it is absent.
func realCSV(t testing.TB) []byte {
	t.Helper()
	path := filepath.Join("..", "..", "shared", "data", "wifi-hk-locations.csv")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("real open data not available (%v): this test needs ../shared/data/wifi-hk-locations.csv beside the repo", err)
	}
	return data
}

func mustImport(t testing.TB, r *hotspots.Registry, data []byte) hotspots.ImportResult {
	t.Helper()
	res, err := r.Import(context.Background(), data, hotspots.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return res
}
