package accounting_test

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/wifihk/wifihk/accounting"
	"github.com/wifihk/wifihk/internal/storetest"
)

// While the store is unreachable, accounting is still acknowledged: a
// packet for a session in memory is decided as usual, one for a session
// memory lacks is folded in when the store answers, and so is an
// Accounting-On; once it answers, everything acknowledged is there, as
// it would have been, and sending it all again changes nothing.
func TestAccountingWhileStoreIsDown(t *testing.T) {
	db, faults := storetest.OpenFaulty(t)
	st, err := accounting.Open(db, filepath.Join(t.TempDir(), "j"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	at := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	apply := func(us ...accounting.Update) {
		t.Helper()
		done := make(chan struct{})
		go func() {
			defer close(done)
			for _, u := range us {
				if _, err := st.Apply(u); err != nil {
					t.Errorf("%s %v: %v", u.AcctID, u.Status, err)
				}
			}
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("accounting not acknowledged while the store is down")
		}
	}
	known := accounting.Update{NAS: "nas1", AcctID: "known", Status: accounting.Start, Username: "kim", At: at}
	rebooting := accounting.Update{NAS: "nas2", AcctID: "m", Status: accounting.Start, Username: "max", At: at}
	apply(known, rebooting)
	st.Sync()

	faults.Fail(errors.New("connection refused"))
	known.Status, known.InputOctets, known.At = accounting.Interim, 100, at.Add(time.Minute)
	fresh := accounting.Update{NAS: "nas1", AcctID: "fresh", Status: accounting.Interim, Username: "fay",
		InputOctets: 5, SessionTime: 60, At: at.Add(time.Minute)}
	freshStop := fresh
	freshStop.Status, freshStop.InputOctets, freshStop.SessionTime, freshStop.At = accounting.Stop, 1<<33, 120, at.Add(2*time.Minute)
	freshStop.TerminateCause = "User-Request"
	down := []accounting.Update{known, fresh, freshStop}
	apply(down...)
	for deadline := time.Now().Add(10 * time.Second); !st.Backlog().Failing; {
		if time.Now().After(deadline) {
			t.Fatal("the applier's failure is not reported")
		}
		time.Sleep(time.Millisecond)
	}
	reboot := accounting.Update{NAS: "nas2", Status: accounting.On, At: at.Add(3 * time.Minute)}
	apply(reboot)
	if b := st.Backlog(); b.Records < 2 || b.Bytes == 0 || b.Oldest.IsZero() {
		t.Errorf("backlog while down: %+v", b)
	}

	faults.Heal()
	st.Sync()
	if b := st.Backlog(); b.Records != 0 || b.Failing {
		t.Errorf("backlog after the store returned: %+v", b)
	}
	check := func() {
		t.Helper()
		k, err := st.Get("nas1/known")
		if err != nil || k.InputOctets != 100 || !k.Open || k.Updates != 2 {
			t.Errorf("known session: %+v %v", k, err)
		}
		f, err := st.Get("nas1/fresh")
		if err != nil || f.InputOctets != 1<<33 || f.Open || f.TerminateCause != "User-Request" || f.Username != "fay" ||
			!f.Started.Equal(at) || f.Updates != 2 {
			t.Errorf("session first seen during the outage: %+v %v", f, err)
		}
		m, err := st.Get("nas2/m")
		if err != nil || m.Open || m.TerminateCause != "NAS-Reboot" {
			t.Errorf("session of the rebooted NAS: %+v %v", m, err)
		}
		for user, want := range map[string]int{"kim": 1, "fay": 0, "max": 0} {
			if n, err := st.OpenCount(user, 0); n != want || err != nil {
				t.Errorf("open sessions of %s: %d %v, want %d", user, n, err, want)
			}
		}
	}
	check()
	apply(down...) // the NAS's retransmissions, after the store returned
	st.Sync()
	check()
}
