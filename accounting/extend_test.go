package accounting_test

import (
	"errors"
	"testing"
	"time"

	"github.com/wifihk/wifihk/accounting"
)

func TestSetTimeout(t *testing.T) { bothModes(t, testSetTimeout) }

// testSetTimeout: an extension is on the session where the portal reads
// it (the open-by-address index) and in the store, an Interim-Update
// after it keeps it, and a closed or unknown session is refused.
func testSetTimeout(t *testing.T, st *accounting.Store) {
	start := time.Now().UTC().Add(-10 * time.Minute)
	apply := func(u accounting.Update) {
		t.Helper()
		u.NAS, u.AcctID, u.Username, u.FramedIP = "nas1", "s1", "u1", "10.0.0.1"
		if _, err := st.Apply(u); err != nil {
			t.Fatal(err)
		}
	}
	apply(accounting.Update{Status: accounting.Start, At: start})
	if open, _ := st.OpenByIP("10.0.0.1"); len(open) != 1 || open[0].Timeout != 0 { // builds the index
		t.Fatalf("before: %+v", open)
	}
	ss, err := st.SetTimeout("nas1/s1", 70*time.Minute)
	if err != nil || ss.Timeout != 4200 {
		t.Fatalf("SetTimeout: %+v %v", ss, err)
	}
	if open, _ := st.OpenByIP("10.0.0.1"); len(open) != 1 || open[0].Timeout != 4200 {
		t.Errorf("the index has %+v, want Timeout 4200", open)
	}
	apply(accounting.Update{Status: accounting.Interim, At: time.Now().UTC(), InputOctets: 1000})
	if got, err := st.Get("nas1/s1"); err != nil || got.Timeout != 4200 || got.InputOctets != 1000 {
		t.Errorf("after an Interim: %+v %v", got, err)
	}
	if _, err := st.SetTimeout("nas1/none", time.Hour); !errors.Is(err, accounting.ErrNotFound) {
		t.Errorf("unknown session: %v", err)
	}
	if _, err := st.SetTimeout("nas1/s1", 0); err == nil {
		t.Error("a zero Session-Timeout was recorded")
	}
	apply(accounting.Update{Status: accounting.Stop, At: time.Now().UTC(), TerminateCause: "User-Request"})
	if _, err := st.SetTimeout("nas1/s1", 2*time.Hour); !errors.Is(err, accounting.ErrSessionClosed) {
		t.Errorf("closed session: %v", err)
	}
	if got, _ := st.Get("nas1/s1"); got.Timeout != 4200 {
		t.Errorf("the refused extension changed the session: %+v", got)
	}
}

// An extension recorded through one node reaches the other node's
// open-by-address index, which its portal reads.
func TestSetTimeoutAcrossNodes(t *testing.T) {
	a, b := twoNodes(t)
	if _, err := a.Apply(accounting.Update{NAS: "nas1", AcctID: "s1", Username: "u1", FramedIP: "10.0.0.1",
		Status: accounting.Start, At: time.Now().UTC()}); err != nil {
		t.Fatal(err)
	}
	timeout := func() uint32 {
		open, err := b.OpenByIP("10.0.0.1")
		if err != nil || len(open) != 1 {
			return 0
		}
		return open[0].Timeout + 1 // 1: open, not extended
	}
	eventually(t, "B sees A's session", func() bool { return timeout() == 1 })
	if _, err := a.SetTimeout("nas1/s1", time.Hour); err != nil {
		t.Fatal(err)
	}
	eventually(t, "B sees the extension", func() bool { return timeout() == 3601 })
}
