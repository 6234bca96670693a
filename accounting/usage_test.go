package accounting

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/wifihk/wifihk/internal/storetest"
)

func TestUsageByNAS(t *testing.T) {
	st := New(storetest.Open(t))
	t.Cleanup(st.Close)
	midnight := time.Date(2026, 11, 26, 16, 0, 0, 0, time.UTC) // 00:00 in Hong Kong
	for _, u := range []Update{
		// Yesterday's closed session: not counted.
		{NAS: "gw1", AcctID: "old", Status: Start, Username: "a", MAC: "02-00-00-00-00-01", At: midnight.Add(-3 * time.Hour)},
		{NAS: "gw1", AcctID: "old", Status: Stop, InputOctets: 999, At: midnight.Add(-2 * time.Hour)},
		// Two open sessions of one device, and one of another.
		{NAS: "gw1", AcctID: "s1", Status: Start, Username: "a", MAC: "02-00-00-00-00-01", At: midnight.Add(time.Hour)},
		{NAS: "gw1", AcctID: "s1", Status: Interim, InputOctets: 100, OutputOctets: 50, At: midnight.Add(2 * time.Hour)},
		{NAS: "gw1", AcctID: "s2", Status: Start, Username: "a", MAC: "02-00-00-00-00-01", At: midnight.Add(time.Hour)},
		{NAS: "gw1", AcctID: "s3", Status: Start, Username: "b", MAC: "02-00-00-00-00-02", At: midnight.Add(time.Hour)},
		// Today's closed session at another NAS.
		{NAS: "gw2", AcctID: "t1", Status: Start, Username: "c", At: midnight.Add(time.Hour)},
		{NAS: "gw2", AcctID: "t1", Status: Stop, OutputOctets: 7, At: midnight.Add(90 * time.Minute)},
	} {
		if _, err := st.Apply(u); err != nil {
			t.Fatalf("%+v: %v", u, err)
		}
	}
	got, err := (&Usage{Sessions: st}).UsageByNAS(context.Background(), midnight)
	if err != nil {
		t.Fatal(err)
	}
	if g := got["gw1"]; g.OpenSessions != 3 || g.DevicesToday != 2 || g.BytesToday != 150 {
		t.Errorf("gw1: %+v, want 3 open, 2 devices, 150 bytes", g)
	}
	if g := got["gw2"]; g.OpenSessions != 0 || g.DevicesToday != 1 || g.BytesToday != 7 {
		t.Errorf("gw2: %+v, want 0 open, 1 device, 7 bytes", g)
	}
}

// TestUsageSaturates: with Gigawords a session reports up to 2^64-1 bytes
// each way; the day's sum per NAS stops at the largest int64 instead of
// wrapping to a small or negative number.
func TestUsageSaturates(t *testing.T) {
	st := New(storetest.Open(t))
	t.Cleanup(st.Close)
	midnight := time.Date(2026, 11, 26, 16, 0, 0, 0, time.UTC)
	for _, u := range []Update{
		{NAS: "gw1", AcctID: "s1", Status: Start, Username: "a", At: midnight.Add(time.Hour)},
		{NAS: "gw1", AcctID: "s1", Status: Interim, InputOctets: math.MaxUint64, OutputOctets: math.MaxUint64, At: midnight.Add(2 * time.Hour)},
		{NAS: "gw1", AcctID: "s2", Status: Start, Username: "b", At: midnight.Add(time.Hour)},
		{NAS: "gw1", AcctID: "s2", Status: Interim, InputOctets: 1, OutputOctets: 1, At: midnight.Add(2 * time.Hour)},
		{NAS: "gw1", AcctID: "s3", Status: Start, Username: "c", At: midnight.Add(time.Hour)},
		{NAS: "gw1", AcctID: "s3", Status: Interim, InputOctets: math.MaxInt64 - 1, At: midnight.Add(2 * time.Hour)},
	} {
		if _, err := st.Apply(u); err != nil {
			t.Fatalf("%+v: %v", u, err)
		}
	}
	got, err := (&Usage{Sessions: st}).UsageByNAS(context.Background(), midnight)
	if err != nil {
		t.Fatal(err)
	}
	if g := got["gw1"].BytesToday; g != math.MaxInt64 {
		t.Errorf("gw1's bytes today: %d, want %d (saturated)", g, int64(math.MaxInt64))
	}
	for _, s := range []Session{
		{InputOctets: math.MaxUint64, OutputOctets: 1},
		{InputOctets: math.MaxInt64, OutputOctets: 1},
		{InputOctets: 1 << 63},
	} {
		if got := s.Octets(); got != math.MaxInt64 {
			t.Errorf("%d + %d octets: %d, want %d", s.InputOctets, s.OutputOctets, got, int64(math.MaxInt64))
		}
	}
	if s := (Session{InputOctets: 3, OutputOctets: 4}); s.Octets() != 7 {
		t.Errorf("3 + 4 octets: %d", s.Octets())
	}
}
