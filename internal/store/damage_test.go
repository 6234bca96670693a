package store_test

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/wifihk/wifihk/internal/store"
	"github.com/wifihk/wifihk/internal/storetest"
)

// One record that does not decode hides no good one: List skips it, the
// DB reports it (count and key, logged once), and Get on it fails.
func TestListSkipsAndReportsDamagedRecord(t *testing.T) {
	db := storetest.Open(t)
	var logged bytes.Buffer
	db.LogDamage(slog.New(slog.NewTextHandler(&logged, nil)))
	err := db.Update(func(tx *store.Tx) error {
		for _, k := range []string{"a", "c"} {
			if err := tx.Put(store.Sessions, k, rec{k}); err != nil {
				return err
			}
		}
		return tx.PutRaw(store.Sessions, "b", []byte(`{"Name":"b`)) // cut short
	})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		var got []rec
		err := db.View(func(tx *store.Tx) (err error) {
			got, err = store.List(tx, store.Sessions, store.Query[rec]{})
			return err
		})
		if err != nil || len(got) != 2 || got[0].Name != "a" || got[1].Name != "c" {
			t.Fatalf("List: %+v, %v; want a and c", got, err)
		}
	}
	d := db.Damaged()
	if len(d) != 1 || d[0].Bucket != store.Sessions || d[0].Key != "b" || d[0].Reason == "" {
		t.Fatalf("Damaged: %+v", d)
	}
	if err := db.DamageError(); err == nil || !strings.Contains(err.Error(), "1 damaged records") || !strings.Contains(err.Error(), "sessions/b") {
		t.Errorf("DamageError: %v", err)
	}
	if n := strings.Count(logged.String(), "damaged record"); n != 1 {
		t.Errorf("logged %d times, want once:\n%s", n, logged.String())
	}
}
