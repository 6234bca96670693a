package accounting_test

import (
	"errors"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/wifihk/wifihk/accounting"
	"github.com/wifihk/wifihk/internal/journal"
	"github.com/wifihk/wifihk/internal/storetest"
)

// TestStalledApplierHoldsNoReader: with the database unwritable (a full
// disk) and the journal fine, accounting is still acknowledged, the first
// Simultaneous-Use count after start answers from memory instead of
// waiting for the stalled applier, List and Get fail at once with the
// reason instead of hanging, Health says why, and all recover by
// themselves once the database can be written again.
func TestStalledApplierHoldsNoReader(t *testing.T) {
	db, faults := storetest.OpenFaulty(t)
	st, err := accounting.Open(db, filepath.Join(t.TempDir(), "j"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	faults.FailWrites(syscall.ENOSPC)
	if _, err := st.Apply(accounting.Update{NAS: "nas1", AcctID: "a", Status: accounting.Start, Username: "u"}); err != nil {
		t.Fatalf("accounting with the journal fine: %v", err)
	}
	quick := func(what string, f func()) {
		t.Helper()
		done := make(chan struct{})
		go func() { defer close(done); f() }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatalf("%s waits on the stalled applier", what)
		}
	}
	quick("OpenCount", func() {
		if n, err := st.OpenCount("u", 0); err != nil || n != 1 {
			t.Errorf("OpenCount: %d, %v; want 1", n, err)
		}
	})
	for deadline := time.Now().Add(5 * time.Second); st.Health() == nil; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("Health does not report the stalled applier")
		}
	}
	quick("List", func() {
		if _, err := st.List(false, 0); !errors.Is(err, journal.ErrBehind) {
			t.Errorf("List: %v, want ErrBehind", err)
		}
	})
	quick("Get", func() {
		if _, err := st.Get("nas1/a"); !errors.Is(err, journal.ErrBehind) {
			t.Errorf("Get: %v, want ErrBehind", err)
		}
	})
	faults.Heal()
	start := time.Now()
	for st.Health() != nil {
		if time.Since(start) > time.Second {
			t.Fatalf("not recovered 1s after the disk returned: %v", st.Health())
		}
		time.Sleep(5 * time.Millisecond)
	}
	if ss, err := st.Get("nas1/a"); err != nil || !ss.Open {
		t.Fatalf("after recovery: %+v, %v", ss, err)
	}
}
