package store_test

import (
	"os"
	"testing"

	"github.com/wifihk/wifihk/internal/store"
	"github.com/wifihk/wifihk/internal/store/postgres"
	"github.com/wifihk/wifihk/internal/store/postgres/pgtest"
)

// TestBackendConformance runs on PostgreSQL too, on a private server.
func init() {
	store.TestBackends["postgres"] = func(t *testing.T) *store.DB {
		db, err := postgres.Open(pgtest.NewDB(t), store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return db
	}
}

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
