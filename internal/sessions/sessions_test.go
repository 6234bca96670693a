package sessions_test

import (
	"sync"
	"testing"
	"time"

	"github.com/wifihk/wifihk/internal/sessions"
	"github.com/wifihk/wifihk/internal/storetest"
)

func TestApplyIsIdempotentAndMonotonic(t *testing.T) {
	st := sessions.New(storetest.Open(t))
	at := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	apply := func(u sessions.Update) bool {
		t.Helper()
		u.NAS, u.AcctID, u.Username, u.At = "nas1", "x", "bob", at
		ok, err := st.Apply(u)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if !apply(sessions.Update{Status: sessions.Start, Fingerprint: "f1"}) {
		t.Fatal("first Start not applied")
	}
	if apply(sessions.Update{Status: sessions.Start, Fingerprint: "f1"}) {
		t.Fatal("the same packet was applied twice")
	}
	apply(sessions.Update{Status: sessions.Interim, InputOctets: 500, SessionTime: 60, Fingerprint: "f2"})
	apply(sessions.Update{Status: sessions.Interim, InputOctets: 300, SessionTime: 30, Fingerprint: "f3"}) // reordered, older
	apply(sessions.Update{Status: sessions.Stop, InputOctets: 900, SessionTime: 90, TerminateCause: "User-Request", Fingerprint: "f4"})
	apply(sessions.Update{Status: sessions.Interim, InputOctets: 950, Fingerprint: "f5"}) // late, after Stop
	s, err := st.Get("nas1/x")
	if err != nil {
		t.Fatal(err)
	}
	if s.Open || s.InputOctets != 900 || s.SessionTime != 90 || s.TerminateCause != "User-Request" || s.Updates != 4 {
		t.Fatalf("session = %+v", s)
	}
	if _, err := st.Get("nas1/none"); err == nil {
		t.Fatal("missing session found")
	}
}

func TestConcurrentAppliesShareCommits(t *testing.T) {
	st := sessions.New(storetest.Open(t))
	var wg sync.WaitGroup
	for i := 0; i < 200; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			_, err := st.Apply(sessions.Update{NAS: "n", AcctID: string(rune('a' + i%26)), Status: sessions.Interim,
				Username: "u", InputOctets: uint64(i), Fingerprint: string(rune(i + 100))})
			if err != nil {
				t.Error(err)
			}
		}(i)
	}
	wg.Wait()
	open, err := st.OpenCount("u", 0)
	if err != nil || open != 26 {
		t.Fatalf("open = %d, %v; want 26", open, err)
	}
	n, err := st.CloseNAS("n", "NAS-Reboot")
	if err != nil || n != 26 {
		t.Fatalf("CloseNAS = %d, %v", n, err)
	}
}

func TestPruneSeenKeepsRecentFingerprints(t *testing.T) {
	st := sessions.New(storetest.Open(t))
	old := time.Now().Add(-72 * time.Hour)
	st.Apply(sessions.Update{NAS: "n", AcctID: "a", Status: sessions.Start, At: old, Fingerprint: "old"})
	st.Apply(sessions.Update{NAS: "n", AcctID: "b", Status: sessions.Start, Fingerprint: "new"})
	n, err := st.PruneSeen(time.Now().Add(-48 * time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("pruned %d, %v; want 1", n, err)
	}
	if ok, _ := st.Apply(sessions.Update{NAS: "n", AcctID: "b", Status: sessions.Start, Fingerprint: "new"}); ok {
		t.Fatal("recent fingerprint was pruned")
	}
}
