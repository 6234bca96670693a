package accounting

import (
	"fmt"
	"testing"
)

// List of the open sessions reads them through the open-by-NAS index:
// with 300 closed sessions kept and 3 open, it passes no session record
// by scanning and reads the 3 it returns.
func TestListOpenReadsOnlyOpenSessions(t *testing.T) {
	st, cb := countingStore(t)
	var us []Update
	for i := range 300 {
		id := fmt.Sprint("c", i)
		us = append(us, Update{NAS: "nas1", AcctID: id, Status: Start, Username: "u"}, Update{NAS: "nas1", AcctID: id, Status: Stop, Username: "u"})
	}
	for i := range 3 {
		us = append(us, Update{NAS: fmt.Sprint("nas", i), AcctID: fmt.Sprint("o", i), Status: Start, Username: "u"})
	}
	for i, err := range func() []error { _, errs := st.ApplyAll(us); return errs }() {
		if err != nil {
			t.Fatalf("%d: %v", i, err)
		}
	}
	if all, err := st.List(false, 0); err != nil || len(all) != 303 {
		t.Fatalf("all sessions: %d, %v", len(all), err)
	}
	scanned, gets := cb.scanned.Load(), cb.gets.Load()
	open, err := st.List(true, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(open) != 3 || open[0].AcctID != "o0" || open[2].AcctID != "o2" {
		t.Fatalf("open sessions: %+v", open)
	}
	if n, g := cb.scanned.Load()-scanned, cb.gets.Load()-gets; n > 1 || g != 3 {
		t.Errorf("listing 3 open sessions scanned %d session records and read %d, want at most 1 and 3", n, g)
	}
	if two, err := st.List(true, 2); err != nil || len(two) != 2 {
		t.Errorf("at most 2: %d, %v", len(two), err)
	}
}
