package accounting_test

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wifihk/wifihk/accounting"
	"github.com/wifihk/wifihk/internal/storetest"
)

// CoovaChilli hands a login the Acct-Session-Id of a session that ended in
// the same second: the new Start must open a session of its own, and the
// old record must keep its user and octets.
func TestReusedAcctSessionIDOpensANewSession(t *testing.T) {
	bothModes(t, testReusedAcctSessionIDOpensANewSession)
}

func testReusedAcctSessionIDOpensANewSession(t *testing.T, st *accounting.Store) {
	at := time.Date(2026, 12, 4, 6, 0, 0, 0, time.UTC)
	apply := func(u accounting.Update) bool {
		t.Helper()
		u.NAS, u.AcctID, u.At = "chilli", "5f1e0a0000000001", at
		ok, err := st.Apply(u)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	apply(accounting.Update{Status: accounting.Start, Username: "alice", Class: "whk1:a:free"})
	apply(accounting.Update{Status: accounting.Stop, Username: "alice", Class: "whk1:a:free", InputOctets: 100, TerminateCause: "User-Request"})
	if !apply(accounting.Update{Status: accounting.Start, Username: "bob", Class: "whk1:b:free", FramedIP: "10.1.0.9"}) {
		t.Fatal("the Start of the new session was dropped")
	}
	if apply(accounting.Update{Status: accounting.Start, Username: "bob", Class: "whk1:b:free", FramedIP: "10.1.0.9"}) {
		t.Fatal("a retransmitted Start counted as another session")
	}
	if n, err := st.OpenCount("bob", 0); err != nil || n != 1 {
		t.Fatalf("OpenCount(bob) = %d, %v; want 1 (Simultaneous-Use must see it)", n, err)
	}
	if open, err := st.OpenByIP("10.1.0.9"); err != nil || len(open) != 1 {
		t.Fatalf("OpenByIP = %v, %v; want the new session", open, err)
	}
	apply(accounting.Update{Status: accounting.Stop, Username: "bob", Class: "whk1:b:free", InputOctets: 7000, TerminateCause: "Idle-Timeout"})

	cur, err := st.Get("chilli/5f1e0a0000000001")
	if err != nil {
		t.Fatal(err)
	}
	if cur.Username != "bob" || cur.InputOctets != 7000 || cur.TerminateCause != "Idle-Timeout" || cur.Open {
		t.Fatalf("new session = %+v", cur)
	}
	old, err := st.Get("chilli/5f1e0a0000000001~1")
	if err != nil {
		t.Fatal(err)
	}
	if old.Username != "alice" || old.InputOctets != 100 || old.TerminateCause != "User-Request" || old.AcctID != "5f1e0a0000000001" {
		t.Fatalf("old session = %+v", old)
	}
	if all, _ := st.List(false, 0); len(all) != 2 {
		t.Fatalf("List = %d sessions, want 2", len(all))
	}
	if n := st.ReusedIDs(); n != 1 {
		t.Fatalf("ReusedIDs = %d, want 1", n)
	}
	// Retention finds the session moved aside as it finds any other.
	n, err := st.PurgeClosed(context.Background(), accounting.PurgeOptions{Before: at.Add(time.Hour)})
	if err != nil || n != 2 {
		t.Fatalf("PurgeClosed = %d, %v; want both sessions", n, err)
	}
	if all, _ := st.List(false, 0); len(all) != 0 {
		t.Fatalf("after the purge List = %+v, want none", all)
	}
}

// A Start with another user for a session still open (its Stop was lost)
// closes the old one, and the reuse is logged.
func TestReusedIDOfAnOpenSessionIsLogged(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	st, err := accounting.Open(storetest.Open(t), filepath.Join(t.TempDir(), "j"), log)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, user := range []string{"alice", "bob"} {
		if _, err := st.Apply(accounting.Update{NAS: "n", AcctID: "x", Status: accounting.Start, Username: user}); err != nil {
			t.Fatal(err)
		}
	}
	if n, _ := st.OpenCount("alice", 0); n != 0 {
		t.Fatalf("alice still has %d open sessions", n)
	}
	if n, _ := st.OpenCount("bob", 0); n != 1 {
		t.Fatalf("bob has %d open sessions, want 1", n)
	}
	if old, err := st.Get("n/x~1"); err != nil || old.Open || old.Username != "alice" || old.Stopped.IsZero() {
		t.Fatalf("old session = %+v, %v", old, err)
	}
	if !strings.Contains(buf.String(), "Acct-Session-Id reused") || !strings.Contains(buf.String(), "User-Name differs") {
		t.Fatalf("log = %q", buf.String())
	}
}
