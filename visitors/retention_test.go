package visitors

import (
	"testing"
	"time"

	"github.com/wifihk/wifihk/internal/store"
)

func count(t *testing.T, s *Store, bucket string) int {
	t.Helper()
	var n int
	if err := s.db.View(func(tx *store.Tx) (err error) { n, err = tx.Count(bucket); return err }); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestPurgeDevicesCodesAndAllowances(t *testing.T) {
	s := newTestStore(t)
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	s.now = func() time.Time { return now }
	for _, d := range []Device{
		{MAC: "02:00:00:00:00:01", Username: "a", ExpiresAt: now.Add(-48 * time.Hour)},
		{MAC: "02:00:00:00:00:02", Username: "a", ExpiresAt: now.Add(96 * time.Hour)},
		{MAC: "02:00:00:00:00:03", Username: "a"}, // no expiry
	} {
		if err := s.RememberDevice(d); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.newCode("signup", "old@example.hk", ""); err != nil {
		t.Fatal(err)
	}
	for range 3 { // three days of free sessions for one device
		if err := s.UseFreeSession("02:00:00:00:00:09", 0); err != nil {
			t.Fatal(err)
		}
		now = now.Add(24 * time.Hour)
	}
	if _, err := s.newCode("signup", "new@example.hk", ""); err != nil {
		t.Fatal(err)
	}
	if n, err := s.PurgeDevices(now.Add(-24 * time.Hour)); err != nil || n != 1 {
		t.Fatalf("devices purged %d, %v; want 1", n, err)
	}
	if count(t, s, store.Devices) != 2 {
		t.Fatal("a device that has not expired was purged")
	}
	if n, err := s.PurgeCodes(now.Add(-time.Hour)); err != nil || n != 1 {
		t.Fatalf("codes purged %d, %v; want the old one", n, err)
	}
	// now is 5 March 10:00 UTC (18:00 in Hong Kong); keeping 2 days keeps
	// the counts of 3 and 4 March (HKT), and 2 March goes.
	if n, err := s.PurgeAllowances(now.Add(-48 * time.Hour)); err != nil || n != 1 {
		t.Fatalf("allowances purged %d, %v; want 1", n, err)
	}
	if count(t, s, store.Allowances) != 2 {
		t.Fatal("recent allowances were purged")
	}
}
