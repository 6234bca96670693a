package accounting

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/wifihk/wifihk/internal/storetest"
)

// TestJournalReplaysWhatBboltMissed acknowledges updates whose records
// reach only the journal (the applier is held back, as when the process is
// killed before it runs), then opens the store again on the same files:
// replay must put every acknowledged update in bbolt.
func TestJournalReplaysWhatBboltMissed(t *testing.T) {
	db := storetest.Open(t)
	path := filepath.Join(t.TempDir(), "accounting.journal")
	st, err := Open(db, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	st.pl.SetDelay(time.Hour) // the applier never gets to write
	for i := uint64(1); i <= 50; i++ {
		u := Update{NAS: "nas1", AcctID: "a", Status: Interim, Username: "bob", InputOctets: i * 10}
		if ok, err := st.Apply(u); err != nil || !ok {
			t.Fatalf("apply %d: %v, %v", i, ok, err)
		}
	}
	if _, err := New(db).Get("nas1/a"); err == nil {
		t.Fatal("the held-back record is already in bbolt; the test proves nothing")
	}
	// "Crash": abandon st without Close, open the same journal again.
	again, err := Open(db, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	ss, err := again.Get("nas1/a")
	if err != nil || ss.InputOctets != 500 || ss.Updates != 50 || !ss.Open {
		t.Fatalf("after replay: %+v, %v", ss, err)
	}
	if n, _ := again.OpenCount("bob", 0); n != 1 {
		t.Fatalf("open index after replay: %d", n)
	}
	// Replay emptied the journal, and a second replay changes nothing.
	if fi, err := os.Stat(path); err != nil || fi.Size() != 0 {
		t.Fatalf("journal after replay: %v, %v", fi, err)
	}
}

// TestJournalRecordBody encodes ops as a record body and decodes them
// back; the framing's and the pipeline's own tests (torn tails,
// checksums, replay) are in internal/journal.
func TestJournalRecordBody(t *testing.T) {
	want := []op{{key: "s/x", val: []byte(`{"n":1}`)}, {del: true, key: "u/x"}}
	if ops, err := decodeOps(appendOps(nil, want)); err != nil || !reflect.DeepEqual(ops, want) {
		t.Fatalf("round trip: %+v, %v", ops, err)
	}
	// A body the committer did not write does not decode (and replay
	// stops there, as at a torn record).
	if ops, err := decodeOps([]byte{1, 0}); err == nil {
		t.Fatalf("malformed body: %+v", ops)
	}
}

// FuzzJournalOps feeds junk to the record body decoder: an error, never a
// panic, and deletes carry no value.
func FuzzJournalOps(f *testing.F) {
	f.Add(appendOps(nil, []op{{key: "s/a", val: []byte(`{}`)}, {del: true, key: "n/a"}}))
	f.Add([]byte{1, 0})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		ops, err := decodeOps(b)
		if err != nil {
			return
		}
		for _, o := range ops {
			if o.del && o.val != nil {
				t.Fatal("a delete with a value")
			}
		}
	})
}

// TestOpenCountIsCurrentBeforeTheApplier: with the journal, OpenCount
// counts from memory as of the last commit, while bbolt has nothing yet.
func TestOpenCountIsCurrentBeforeTheApplier(t *testing.T) {
	db := storetest.Open(t)
	st, err := Open(db, filepath.Join(t.TempDir(), "j"), nil)
	if err != nil {
		t.Fatal(err)
	}
	st.pl.SetDelay(time.Hour) // bbolt gets nothing
	count := func(user string, stale time.Duration) int {
		t.Helper()
		n, err := st.OpenCount(user, stale)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if count("bob", 0) != 0 {
		t.Fatal("open session before any accounting")
	}
	now := time.Now()
	for i, at := range []time.Time{now, now.Add(-time.Hour)} {
		u := Update{NAS: "nas1", AcctID: string(rune('a' + i)), Status: Start, Username: "bob", At: at}
		if _, err := st.Apply(u); err != nil {
			t.Fatal(err)
		}
	}
	if n := count("bob", 0); n != 2 {
		t.Fatalf("after two Starts: %d open", n)
	}
	if n := count("bob", 10*time.Minute); n != 1 {
		t.Fatalf("the hour-old session counted as fresh: %d", n)
	}
	if _, err := st.Apply(Update{NAS: "nas1", AcctID: "a", Status: Stop, Username: "bob", At: now}); err != nil {
		t.Fatal(err)
	}
	if n := count("bob", 0); n != 1 {
		t.Fatalf("after a Stop: %d open", n)
	}
	// On a shared store (PostgreSQL) the open index is rebuilt when the
	// change feed asks, and a rebuild waits for the applier; so only on
	// bbolt is the store sure to hold nothing yet.
	if n, _ := New(db).OpenCount("bob", 0); n != 0 && !db.Shared() {
		t.Fatalf("bbolt already has %d open; the test proves nothing", n)
	}
}
