package accounting

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"
)

// OpenAndStale (the console's sessions page) reads the open sessions and
// those closed since the window began, not every session kept: with 300
// sessions closed two days ago, 2 open and 1 closed as stale within the
// window, it passes no session record by scanning and reads a handful.
func TestOpenAndStaleReadsOnlyTheWindow(t *testing.T) {
	st, cb := countingStore(t)
	now := time.Now().UTC()
	old := now.Add(-48 * time.Hour)
	var us []Update
	for i := range 300 {
		id := fmt.Sprint("c", i)
		us = append(us, Update{NAS: "nas1", AcctID: id, Status: Start, Username: "u", At: old},
			Update{NAS: "nas1", AcctID: id, Status: Stop, Username: "u", At: old.Add(time.Minute)})
	}
	us = append(us, Update{NAS: "nas2", AcctID: "open1", Status: Start, Username: "u", At: now},
		Update{NAS: "nas0", AcctID: "open0", Status: Start, Username: "u", At: now},
		Update{NAS: "nas1", AcctID: "quiet", Status: Start, Username: "u", At: now.Add(-2 * time.Hour)},
		Update{NAS: "nas1", AcctID: "gone", Status: Start, Username: "u", At: now.Add(-30 * time.Hour)})
	for i, err := range func() []error { _, errs := st.ApplyAll(us); return errs }() {
		if err != nil {
			t.Fatalf("%d: %v", i, err)
		}
	}
	rule := StaleRule{Fallback: time.Hour}
	if n, err := st.CloseStale(context.Background(), rule, now); err != nil || n != 2 {
		t.Fatalf("closed as stale: %d, %v; want quiet and gone", n, err)
	}
	if err := st.Sync(); err != nil {
		t.Fatal(err)
	}
	scanned, gets := cb.scanned.Load(), cb.gets.Load()
	got, err := st.OpenAndStale(now.Add(-24 * time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, ss := range got {
		ids = append(ids, ss.ID)
	}
	if want := []string{"nas0/open0", "nas1/quiet", "nas2/open1"}; !slices.Equal(ids, want) {
		t.Fatalf("open and stale = %v, want %v (in key order; gone went silent before the window)", ids, want)
	}
	if n, g := cb.scanned.Load()-scanned, cb.gets.Load()-gets; n > 1 || g > 6 {
		t.Errorf("the sessions page scanned %d session records and read %d, want at most 1 and 6", n, g)
	}
}
