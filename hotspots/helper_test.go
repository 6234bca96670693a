package hotspots_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/hotspots/realvenues"
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

// realCSV is the real Wi-Fi.HK export the repository ships.
func realCSV(testing.TB) []byte { return realvenues.CSV() }

func mustImport(t testing.TB, r *hotspots.Registry, data []byte) hotspots.ImportResult {
	t.Helper()
	res, err := r.Import(context.Background(), data, hotspots.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return res
}
