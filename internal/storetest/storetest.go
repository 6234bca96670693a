// Package storetest opens a throwaway store for tests and checks its
// consistency when the test ends; OpenFaulty's store fails on demand.
//
// With WIFIHK_TEST_STORE=postgres, Open's stores are fresh databases on a
// private PostgreSQL (pgtest) instead of bbolt files, so that a domain
// package's tests run on both backends; the package's TestMain must run
// pgtest.Main.
package storetest

import (
	"os"
	"testing"
	"time"

	"github.com/wifihk/wifihk/internal/store"
	"github.com/wifihk/wifihk/internal/store/postgres"
	"github.com/wifihk/wifihk/internal/store/postgres/pgtest"
)

// Open returns a store in a fresh temp dir (or database), closed and
// checked at cleanup.
func Open(t testing.TB) *store.DB { return open(t, store.Options{}) }

// OpenShared is Open for a test whose several writers of the same
// records, as several nodes, share the store (store.Options.Shared).
func OpenShared(t testing.TB) *store.DB { return open(t, store.Options{Shared: true}) }

func open(t testing.TB, opt store.Options) *store.DB {
	t.Helper()
	var db *store.DB
	var err error
	if os.Getenv("WIFIHK_TEST_STORE") == "postgres" {
		db, err = postgres.Open(pgtest.NewDB(t), opt)
	} else {
		db, err = store.Open(t.TempDir(), opt)
	}
	if err != nil {
		t.Fatalf("storetest: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Check(); err != nil {
			t.Errorf("storetest: consistency: %v", err)
		}
		db.Close()
	})
	return db
}

// OpenNode opens the PostgreSQL database at url as one node of a cluster
// would, and returns once its change feed listens, so that every later
// commit by another node reaches it; closed at cleanup.
func OpenNode(t testing.TB, url string) *store.DB {
	t.Helper()
	db, err := postgres.Open(url, store.Options{})
	if err != nil {
		t.Fatalf("storetest: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	for deadline := time.Now().Add(5 * time.Second); !db.Listening(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("storetest: change feed not listening after 5 s")
		}
	}
	return db
}
