package accounting_test

import (
	"testing"
	"time"

	"github.com/wifihk/wifihk/accounting"
)

// Observe hears every write that opens, closes or reopens a session, with
// what it was before, and not the Interims of an open session nor a
// retransmission.
func TestObserveHearsOpeningsAndClosings(t *testing.T) { bothModes(t, testObserve) }

func testObserve(t *testing.T, st *accounting.Store) {
	var got []accounting.Change
	st.Observe(func(cs []accounting.Change) { got = append(got, cs...) })
	at := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	apply := func(id string, s accounting.Status, octets uint64, d time.Duration) {
		t.Helper()
		if _, err := st.Apply(accounting.Update{NAS: "n", AcctID: id, Status: s, Username: "u", Venue: "o/V",
			InputOctets: octets, At: at.Add(d)}); err != nil {
			t.Fatal(err)
		}
	}
	apply("a", accounting.Start, 0, 0)
	apply("a", accounting.Interim, 10, time.Minute)
	apply("a", accounting.Interim, 10, time.Minute) // a retransmission
	apply("a", accounting.Stop, 20, 2*time.Minute)
	apply("b", accounting.Start, 0, 3*time.Minute)
	if _, err := st.CloseNAS("n", "NAS-Reboot"); err != nil {
		t.Fatal(err)
	}
	want := []struct {
		id              string
		before, openNow bool
		wasOpen         bool
		octets          uint64
	}{
		{"n/a", false, true, false, 0},
		{"n/a", true, false, true, 20},
		{"n/b", false, true, false, 0},
		{"n/b", true, false, true, 0},
	}
	if len(got) != len(want) {
		t.Fatalf("heard %d changes, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		c := got[i]
		if c.After.ID != w.id || (c.Before != nil) != w.before || c.After.Open != w.openNow || c.After.InputOctets != w.octets {
			t.Errorf("change %d: %+v, want %+v", i, c, w)
		}
		if c.Before != nil && c.Before.Open != w.wasOpen {
			t.Errorf("change %d: before open %v, want %v", i, c.Before.Open, w.wasOpen)
		}
	}
}
