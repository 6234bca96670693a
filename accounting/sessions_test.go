package accounting_test

import (
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/wifihk/wifihk/accounting"
	"github.com/wifihk/wifihk/internal/storetest"
)

func TestApplyIsIdempotentAndMonotonic(t *testing.T) { bothModes(t, lestApplyIsIdempotentAndMonotonic) }

func lestApplyIsIdempotentAndMonotonic(t *testing.T, st *accounting.Store) {
	at := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	apply := func(u accounting.Update) bool {
		t.Helper()
		u.NAS, u.AcctID, u.Username, u.At = "nas1", "x", "bob", at
		ok, err := st.Apply(u)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if !apply(accounting.Update{Status: accounting.Start}) {
		t.Fatal("first Start not applied")
	}
	if apply(accounting.Update{Status: accounting.Start}) {
		t.Fatal("the same packet changed the session twice")
	}
	apply(accounting.Update{Status: accounting.Interim, InputOctets: 500, SessionTime: 60})
	apply(accounting.Update{Status: accounting.Interim, InputOctets: 300, SessionTime: 30}) // reordered, older
	apply(accounting.Update{Status: accounting.Stop, InputOctets: 900, SessionTime: 90, TerminateCause: "User-Request"})
	apply(accounting.Update{Status: accounting.Interim, InputOctets: 950}) // late, after Stop
	s, err := st.Get("nas1/x")
	if err != nil {
		t.Fatal(err)
	}
	if s.Open || s.InputOctets != 900 || s.SessionTime != 90 || s.TerminateCause != "User-Request" || s.Updates != 3 {
		t.Fatalf("session = %+v", s)
	}
	// The NAS resends the Stop later with a higher Acct-Delay-Time: nothing changes.
	at = at.Add(30 * time.Second)
	if apply(accounting.Update{Status: accounting.Stop, InputOctets: 900, SessionTime: 90, TerminateCause: "Lost-Service"}) {
		t.Fatal("a repeated Stop changed the session")
	}
	if s2, _ := st.Get("nas1/x"); s2.TerminateCause != "User-Request" || !s2.Stopped.Equal(s.Stopped) {
		t.Fatalf("repeated Stop rewrote the stop: %+v", s2)
	}
	if _, err := st.Get("nas1/none"); err == nil {
		t.Fatal("missing session found")
	}
}

func TestConcurrentAppliesShareCommits(t *testing.T) { bothModes(t, lestConcurrentAppliesShareCommits) }

func lestConcurrentAppliesShareCommits(t *testing.T, st *accounting.Store) {
	var wg sync.WaitGroup
	for i := 0; i < 200; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			_, err := st.Apply(accounting.Update{NAS: "n", AcctID: string(rune('a' + i%26)), Status: accounting.Interim,
				Username: "u", InputOctets: uint64(i)})
			if err != nil {
				t.Error(err)
			}
		}(i)
	}
	wg.Wait()
	st.Sync()
	open, err := st.OpenCount("u", 0)
	if err != nil || open != 26 {
		t.Fatalf("open = %d, %v; want 26", open, err)
	}
	n, err := st.CloseNAS("n", "NAS-Reboot")
	if err != nil || n != 26 {
		t.Fatalf("CloseNAS = %d, %v", n, err)
	}
}

func TestOpenIndexFollowsTheSession(t *testing.T) { bothModes(t, lestOpenIndexFollowsTheSession) }

func lestOpenIndexFollowsTheSession(t *testing.T, st *accounting.Store) {
	defer st.Close()
	apply := func(u accounting.Update) {
		t.Helper()
		u.NAS, u.AcctID = "nas1", "y"
		if _, err := st.Apply(u); err != nil {
			t.Fatal(err)
		}
	}
	count := func(user string) int {
		st.Sync()
		n, err := st.OpenCount(user, 0)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	apply(accounting.Update{Status: accounting.Interim, Username: "02:00:00:00:00:01", InputOctets: 1})
	apply(accounting.Update{Status: accounting.Interim, Username: "carol", InputOctets: 2}) // NAS learned the name
	if count("02:00:00:00:00:01") != 0 || count("carol") != 1 {
		t.Fatalf("after rename: old %d, new %d", count("02:00:00:00:00:01"), count("carol"))
	}
	apply(accounting.Update{Status: accounting.Interim, Username: "carol", InputOctets: 3})
	if count("carol") != 1 {
		t.Fatalf("interim: %d open", count("carol"))
	}
	apply(accounting.Update{Status: accounting.Stop, Username: "carol", InputOctets: 4})
	if count("carol") != 0 {
		t.Fatalf("after Stop: %d open", count("carol"))
	}
	if n, err := st.CloseNAS("nas1", "NAS-Reboot"); err != nil || n != 0 {
		t.Fatalf("CloseNAS after Stop: %d, %v", n, err)
	}
}

// bothModes runs a test against a store without and with the journal.
// With the journal, OpenCount may lag, so the tests call Sync first.
func bothModes(t *testing.T, test func(*testing.T, *accounting.Store)) {
	t.Run("bbolt", func(t *testing.T) { test(t, accounting.New(storetest.Open(t))) })
	t.Run("journal", func(t *testing.T) {
		st, err := accounting.Open(storetest.Open(t), filepath.Join(t.TempDir(), "j"), nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(st.Close)
		test(t, st)
	})
}

func TestApplyAllAnswersEachUpdate(t *testing.T) { bothModes(t, testApplyAllAnswersEachUpdate) }

func testApplyAllAnswersEachUpdate(t *testing.T, st *accounting.Store) {
	u := accounting.Update{NAS: "n", AcctID: "a", Status: accounting.Interim, Username: "u", InputOctets: 10}
	bad := accounting.Update{NAS: "n", Status: accounting.Interim} // no Acct-Session-Id
	more := u
	more.InputOctets = 20
	applied, errs := st.ApplyAll([]accounting.Update{u, bad, u, more})
	if errs[0] != nil || errs[1] == nil || errs[2] != nil || errs[3] != nil {
		t.Fatalf("errors: %v", errs)
	}
	if !applied[0] || applied[1] || applied[2] || !applied[3] {
		t.Fatalf("applied: %v (the repeated update must not count)", applied)
	}
	ss, err := st.Get("n/a")
	if err != nil || ss.InputOctets != 20 || ss.Updates != 2 {
		t.Fatalf("session: %+v, %v", ss, err)
	}
}
