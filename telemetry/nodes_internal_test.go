package telemetry

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/wifihk/wifihk/internal/storetest"
)

// Two nodes share a store, each with its own report journal. Node A
// acknowledges reports it has not applied when it is killed; node B
// meanwhile applies more records than A ever wrote. A, restarted, must
// still replay its own: B's applied mark is not A's.
func TestReplayIsNotSkippedForAnotherNodesMark(t *testing.T) {
	db := storetest.Open(t)
	pathA := filepath.Join(t.TempDir(), "reports.journal")
	a, err := New(Config{DB: db, JournalPath: pathA})
	if err != nil {
		t.Fatal(err)
	}
	a.jr.pl.SetDelay(time.Hour) // killed before its applier runs
	now := time.Now().UTC()
	commit := func(s *Service, ap string, seq uint64) {
		p := &pending{e: entry{AP: ap, Venue: "org/V1", At: now, Bucket: now.Truncate(BucketWidth), Seq: seq}}
		s.commit([]*pending{p}) // one record; the committer goroutine is idle
		if p.err != nil || p.res.Duplicate {
			t.Fatalf("%s seq %d: %+v, %v", ap, seq, p.res, p.err)
		}
	}
	for seq := uint64(1); seq <= 3; seq++ {
		commit(a, "ap-a", seq)
	}
	b, err := New(Config{DB: db, JournalPath: filepath.Join(t.TempDir(), "reports.journal")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	for seq := uint64(1); seq <= 10; seq++ {
		commit(b, "ap-b", seq)
	}
	b.Sync()
	again, err := New(Config{DB: db, JournalPath: pathA}) // A restarted after SIGKILL
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { again.Close() })
	if st, err := again.APStatus("ap-a"); err != nil || st.Reports != 3 {
		t.Fatalf("A's acknowledged reports after its restart: %+v, %v", st, err)
	}
}
