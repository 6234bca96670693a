// Package storetest opens a throwaway store for tests and checks its
// consistency when the test ends; OpenFaulty's store fails on demand.
package storetest

import (
	"testing"

	"github.com/wifihk/wifihk/internal/store"
)

// Open returns a store in a fresh temp dir, closed and checked at cleanup.
func Open(t testing.TB) *store.DB {
	t.Helper()
	db, err := store.Open(t.TempDir(), store.Options{})
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
