package accounting_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/wifihk/wifihk/accounting"
	"github.com/wifihk/wifihk/internal/store/postgres/pgtest"
	"github.com/wifihk/wifihk/internal/storetest"
)

// twoNodes opens two journaled Stores on one PostgreSQL database, as two
// nodes of a cluster record accounting.
func twoNodes(t *testing.T) (a, b *accounting.Store) {
	t.Helper()
	url := pgtest.NewDB(t)
	open := func(name string) *accounting.Store {
		st, err := accounting.Open(storetest.OpenNode(t, url), filepath.Join(t.TempDir(), name+".journal"), nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(st.Close) // before the DB
		return st
	}
	return open("a"), open("b")
}

// eventually polls cond for up to 2 s.
func eventually(t *testing.T, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > 2*time.Second {
			t.Fatalf("not within 2 s: %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
	return time.Since(start)
}

// Simultaneous-Use counts sessions opened through another node: B's
// in-memory count follows A's Start, Interims (the session stays fresh
// past the staleness limit) and Stop; and a packet for the session that
// B then receives merges into what A stored, not into an older copy.
func TestOpenCountAcrossNodes(t *testing.T) {
	a, b := twoNodes(t)
	count := func(st *accounting.Store, stale time.Duration) int {
		t.Helper()
		n, err := st.OpenCount("u1", stale)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if count(b, 0) != 0 { // builds B's index
		t.Fatal("open session before any Start")
	}
	start := time.Now().UTC().Add(-time.Hour)
	apply := func(st *accounting.Store, u accounting.Update) {
		t.Helper()
		u.NAS, u.AcctID, u.Username = "nas1", "s1", "u1"
		if _, err := st.Apply(u); err != nil {
			t.Fatal(err)
		}
	}
	apply(a, accounting.Update{Status: accounting.Start, At: start, MAC: "02:00:00:00:00:01"})
	took := eventually(t, "B counts A's Start", func() bool { return count(b, 0) == 1 })
	t.Logf("A's Start counted on B after %v", took)
	// An hour-old Start is stale for a 10-minute rule until an Interim.
	if count(b, 10*time.Minute) != 0 {
		t.Fatal("an hour-old session counted as fresh")
	}
	apply(a, accounting.Update{Status: accounting.Interim, At: time.Now().UTC(), InputOctets: 100})
	eventually(t, "B sees A's Interim", func() bool { return count(b, 10*time.Minute) == 1 })

	// The NAS fails over to B: B's Interim merges into A's record.
	apply(b, accounting.Update{Status: accounting.Interim, At: time.Now().UTC(), InputOctets: 200})
	b.Sync()
	ss, err := b.Get("nas1/s1")
	if err != nil || ss.Updates != 3 || ss.InputOctets != 200 || ss.MAC != "02:00:00:00:00:01" {
		t.Fatalf("after B's Interim: %+v %v", ss, err)
	}
	apply(b, accounting.Update{Status: accounting.Stop, At: time.Now().UTC(), InputOctets: 300})
	eventually(t, "A sees B's Stop", func() bool { return count(a, 0) == 0 })
	// A then gets a late Interim: the session stays closed.
	apply(a, accounting.Update{Status: accounting.Interim, At: time.Now().UTC(), InputOctets: 250})
	a.Sync()
	if ss, err := a.Get("nas1/s1"); err != nil || ss.Open || ss.InputOctets != 300 {
		t.Fatalf("a late Interim on A: %+v %v", ss, err)
	}
}
