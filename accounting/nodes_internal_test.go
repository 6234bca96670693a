package accounting

import (
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/wifihk/wifihk/internal/store"
	"github.com/wifihk/wifihk/internal/storetest"
)

// openNode opens a Store ("a node") on db with its journal at path.
func openNode(t *testing.T, db *store.DB, path string) *Store {
	t.Helper()
	st, err := Open(db, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// holdApplier holds st's applier back, as when the process is killed
// before it runs.
func holdApplier(t *testing.T, st *Store) {
	t.Helper()
	st.pl.SetDelay(time.Hour)
}

func mustApply(t *testing.T, st *Store, u Update) {
	t.Helper()
	if _, err := st.Apply(u); err != nil {
		t.Fatal(err)
	}
}

// Two nodes share a store, each with its own journal. Node A acknowledges
// packets it has not applied when it is killed; node B meanwhile applies
// more records than A ever wrote. A, restarted, must still replay its own:
// each journal numbers its records itself, so B's applied mark is not A's.
func TestReplayIsNotSkippedForAnotherNodesMark(t *testing.T) {
	db := storetest.OpenShared(t)
	pathA := filepath.Join(t.TempDir(), "accounting.journal")
	a := openNode(t, db, pathA)
	holdApplier(t, a)
	for i := uint64(1); i <= 3; i++ {
		mustApply(t, a, Update{NAS: "nas1", AcctID: "on-a", Status: Interim, Username: "ann", InputOctets: i * 10})
	}
	b := openNode(t, db, filepath.Join(t.TempDir(), "accounting.journal"))
	defer b.Close()
	for i := range 10 {
		mustApply(t, b, Update{NAS: "nas1", AcctID: fmt.Sprintf("on-b-%d", i), Status: Start, Username: "bob"})
	}
	if err := b.Sync(); err != nil {
		t.Fatal(err)
	}
	again, err := Open(db, pathA, nil) // A restarted after SIGKILL
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if ss, err := again.Get("nas1/on-a"); err != nil || ss.InputOctets != 30 {
		t.Fatalf("A's acknowledged packets after its restart: %+v, %v", ss, err)
	}
}

// Node A acknowledges a session's first packets and is killed before it
// applies them; the NAS sends the next ones, and the Stop, to node B. A's
// replay must not take the session back: it stays stopped, with B's
// counters, and out of the open-session index.
func TestReplayDoesNotOverwriteANewerWrite(t *testing.T) {
	db := storetest.OpenShared(t)
	pathA := filepath.Join(t.TempDir(), "accounting.journal")
	a := openNode(t, db, pathA)
	holdApplier(t, a)
	t0 := time.Now().UTC().Truncate(time.Second)
	mustApply(t, a, Update{NAS: "nas1", AcctID: "x", Status: Start, Username: "cat", At: t0})
	mustApply(t, a, Update{NAS: "nas1", AcctID: "x", Status: Interim, Username: "cat", InputOctets: 200, At: t0.Add(time.Second)})
	b := openNode(t, db, filepath.Join(t.TempDir(), "accounting.journal"))
	defer b.Close()
	mustApply(t, b, Update{NAS: "nas1", AcctID: "x", Status: Interim, Username: "cat", InputOctets: 300, At: t0.Add(3 * time.Second)})
	mustApply(t, b, Update{NAS: "nas1", AcctID: "x", Status: Stop, Username: "cat", InputOctets: 400, At: t0.Add(4 * time.Second)})
	if err := b.Sync(); err != nil {
		t.Fatal(err)
	}
	again := openNode(t, db, pathA)
	defer again.Close()
	ss, err := again.Get("nas1/x")
	if err != nil || ss.Open || ss.InputOctets != 400 {
		t.Fatalf("after A's replay: %+v, %v", ss, err)
	}
	if n, err := New(db).OpenCount("cat", 0); err != nil || n != 0 {
		t.Fatalf("open sessions of cat after A's replay: %d, %v", n, err)
	}
	// A session the store lacked is written as the node recorded it.
	pathC := filepath.Join(t.TempDir(), "accounting.journal")
	c := openNode(t, db, pathC)
	holdApplier(t, c)
	mustApply(t, c, Update{NAS: "nas1", AcctID: "y", Status: Start, Username: "dog", At: t0})
	cAgain := openNode(t, db, pathC)
	defer cAgain.Close()
	if ss, err := New(db).Get("nas1/y"); err != nil || !ss.Open || !ss.Started.Equal(t0) {
		t.Fatalf("a session only A knew, after its replay: %+v, %v", ss, err)
	}
}

// The open-session index is built again after the change feed lost track
// (a database failover) while the journal holds a fold the applier has
// yet to write (a packet acknowledged while the database was away). The
// build waits for the applier; the applier, once it has written the fold,
// notes the session in the index: neither may wait for the other.
func TestIndexBuildWhileTheApplierNotesAFold(t *testing.T) {
	db, faults := storetest.OpenFaulty(t)
	st := openNode(t, db, filepath.Join(t.TempDir(), "accounting.journal"))
	defer st.Close()
	holdApplier(t, st)
	faults.Fail(errors.New("connection refused"))
	mustApply(t, st, Update{NAS: "nas1", AcctID: "fresh", Status: Interim, Username: "fay", At: time.Now().UTC()})
	faults.Heal()
	st.byUser.reset() // as on a feed that lost track
	done := make(chan error, 1)
	go func() {
		n, err := st.OpenCount("fay", 0)
		if err == nil && n != 1 {
			err = fmt.Errorf("%d open sessions of fay, want 1", n)
		}
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("OpenCount still waiting after 10 s: the index build and the applier wait for each other")
	}
}

// Node A is slow, not dead: the NAS gave up on it and sent the next
// packets and the Stop to node B, and A's applier writes its older record
// of the session afterwards. The session stays as B left it.
func TestLateApplyDoesNotOverwriteANewerWrite(t *testing.T) {
	db := storetest.OpenShared(t)
	a := openNode(t, db, filepath.Join(t.TempDir(), "accounting.journal"))
	defer a.Close()
	holdApplier(t, a)
	t0 := time.Now().UTC().Truncate(time.Second)
	mustApply(t, a, Update{NAS: "nas1", AcctID: "z", Status: Start, Username: "eve", At: t0})
	b := openNode(t, db, filepath.Join(t.TempDir(), "accounting.journal"))
	defer b.Close()
	mustApply(t, b, Update{NAS: "nas1", AcctID: "z", Status: Stop, Username: "eve", InputOctets: 400, At: t0.Add(4 * time.Second)})
	if err := b.Sync(); err != nil {
		t.Fatal(err)
	}
	if err := a.Sync(); err != nil { // A's applier writes its Start now
		t.Fatal(err)
	}
	ss, err := New(db).Get("nas1/z")
	if err != nil || ss.Open || ss.InputOctets != 400 {
		t.Fatalf("after A's late apply: %+v, %v", ss, err)
	}
	if n, err := New(db).OpenCount("eve", 0); err != nil || n != 0 {
		t.Fatalf("open sessions of eve after A's late apply: %d, %v", n, err)
	}
}
