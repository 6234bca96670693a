package telemetry

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/wifihk/wifihk/internal/storetest"
)

// TestCommitDuplicatesInOneGroup: copies of a report that reach the
// committer in the same group are journaled once. (Which reports share a
// group depends on timing, so the group is built here.)
func TestCommitDuplicatesInOneGroup(t *testing.T) {
	s, err := New(Config{DB: storetest.Open(t), JournalPath: filepath.Join(t.TempDir(), "j")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	s.jr.pl.SetDelay(time.Hour)
	now := time.Now().UTC()
	group := make([]*pending, 4)
	for i := range group {
		e := entry{AP: "ap-1", Venue: "org/V1", At: now, Bucket: now.Truncate(BucketWidth), Seq: 7}
		e.Seq += uint64(i / 3) // three copies of 7, then 8
		group[i] = &pending{e: e}
	}
	s.commit(group) // the committer goroutine is idle: nothing is queued
	for i, want := range []bool{false, true, true, false} {
		if p := group[i]; p.err != nil || p.res.Duplicate != want {
			t.Fatalf("report %d (seq %d): %+v, %v; want duplicate %v", i, p.e.Seq, p.res, p.err, want)
		}
	}
	s.Sync()
	st, err := s.APStatus("ap-1")
	if err != nil || st.Reports != 2 {
		t.Fatalf("status %+v, %v; want 2 reports", st, err)
	}
}
