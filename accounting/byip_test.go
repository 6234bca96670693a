package accounting_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/wifihk/wifihk/accounting"
	"github.com/wifihk/wifihk/internal/storetest"
)

func TestOpenByIP(t *testing.T) { bothModes(t, testOpenByIP) }

func testOpenByIP(t *testing.T, st *accounting.Store) {
	at := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	apply := func(u accounting.Update) {
		t.Helper()
		u.NAS, u.At = "nas1", at
		if _, err := st.Apply(u); err != nil {
			t.Fatal(err)
		}
	}
	byIP := func(ip string) []accounting.Session {
		t.Helper()
		out, err := st.OpenByIP(ip)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	// Open before the index exists: the first lookup builds it.
	apply(accounting.Update{Status: accounting.Start, AcctID: "a", Username: "u1", FramedIP: "10.0.0.1", MAC: "02:00:00:00:00:01"})
	apply(accounting.Update{Status: accounting.Start, AcctID: "b", Username: "u2", FramedIP: "10.0.0.2"})
	if got := byIP("10.0.0.1"); len(got) != 1 || got[0].Username != "u1" || got[0].MAC != "02:00:00:00:00:01" {
		t.Fatalf("10.0.0.1: %+v", got)
	}
	if got := byIP("10.0.0.9"); len(got) != 0 {
		t.Fatalf("unknown address: %+v", got)
	}
	// After it exists, every commit keeps it current: a new session,
	// usage from an Interim, a Stop, an Accounting-On.
	apply(accounting.Update{Status: accounting.Start, AcctID: "c", Username: "u3", FramedIP: "10.0.0.3"})
	apply(accounting.Update{Status: accounting.Interim, AcctID: "a", InputOctets: 4096, SessionTime: 60})
	if got := byIP("10.0.0.3"); len(got) != 1 || got[0].Username != "u3" {
		t.Fatalf("new session: %+v", got)
	}
	if got := byIP("10.0.0.1"); len(got) != 1 || got[0].InputOctets != 4096 {
		t.Fatalf("after Interim: %+v", got)
	}
	apply(accounting.Update{Status: accounting.Stop, AcctID: "a", TerminateCause: "User-Request"})
	if got := byIP("10.0.0.1"); len(got) != 0 {
		t.Fatalf("stopped session still found: %+v", got)
	}
	if _, err := st.CloseNAS("nas1", "NAS-Reboot"); err != nil {
		t.Fatal(err)
	}
	if got := byIP("10.0.0.2"); len(got) != 0 {
		t.Fatalf("session closed by Accounting-On still found: %+v", got)
	}
}

// A Store that only reads (another process's view) builds the index from
// the store on first use.
func TestOpenByIPBuildsFromTheStore(t *testing.T) {
	db := storetest.Open(t)
	st, err := accounting.Open(db, filepath.Join(t.TempDir(), "j"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, u := range []accounting.Update{
		{Status: accounting.Start, AcctID: "a", FramedIP: "10.0.0.1", Username: "u1"},
		{Status: accounting.Start, AcctID: "b", FramedIP: "10.0.0.1", Username: "u2"},
		{Status: accounting.Start, AcctID: "c", FramedIP: "10.0.0.2", Username: "u3"},
		{Status: accounting.Stop, AcctID: "c"},
	} {
		u.NAS = "nas1"
		if _, err := st.Apply(u); err != nil {
			t.Fatal(err)
		}
	}
	st.Sync()
	got, err := accounting.New(db).OpenByIP("10.0.0.1")
	if err != nil || len(got) != 2 {
		t.Fatalf("%+v, %v", got, err)
	}
	if got, _ := accounting.New(db).OpenByIP("10.0.0.2"); len(got) != 0 {
		t.Fatalf("closed session: %+v", got)
	}
}

func TestOpenByMAC(t *testing.T) { bothModes(t, testOpenByMAC) }

func testOpenByMAC(t *testing.T, st *accounting.Store) {
	mac := "02:00:00:00:00:07"
	for _, u := range []accounting.Update{
		{Status: accounting.Start, AcctID: "a", Username: "u1", FramedIP: "10.0.0.7", MAC: mac},
		{Status: accounting.Start, AcctID: "b", Username: "u2", FramedIP: "10.0.0.8", MAC: "02:00:00:00:00:08"},
	} {
		u.NAS = "nas1"
		if _, err := st.Apply(u); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := st.OpenByMAC(mac); err != nil || len(got) != 1 || got[0].FramedIP != "10.0.0.7" {
		t.Fatalf("OpenByMAC = %+v, %v", got, err)
	}
	if _, err := st.Apply(accounting.Update{NAS: "nas1", Status: accounting.Stop, AcctID: "a"}); err != nil {
		t.Fatal(err)
	}
	if got, _ := st.OpenByMAC(mac); len(got) != 0 {
		t.Fatalf("stopped session still found: %+v", got)
	}
}
