package visitors

import (
	"errors"
	"testing"
	"time"

	"github.com/wifihk/wifihk/internal/secrets"
	"github.com/wifihk/wifihk/internal/store"
	"github.com/wifihk/wifihk/internal/storetest"
)

func newTestStore(t *testing.T) *Store {
	t.Helper()
	sealer, err := secrets.New(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	return New(storetest.Open(t), sealer)
}

func TestIssueOneTime(t *testing.T) {
	s := newTestStore(t)
	c, secret, err := s.IssueOneTime(OneTimeInput{MAC: "aa:bb:cc:dd:ee:ff", NAS: "n1"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Get(c.Username)
	if err != nil {
		t.Fatal(err)
	}
	if got.BoundMAC != "aa:bb:cc:dd:ee:ff" || got.BoundNAS != "n1" || got.UsesLeft != 1 || got.Kind != KindOneTime {
		t.Fatalf("stored %+v", got)
	}
	if open, err := s.Secret(got); err != nil || open != secret {
		t.Fatalf("sealed secret %q, %v; want %q", open, err, secret)
	}
	if d := got.ExpiresAt.Sub(time.Now()); d <= 0 || d > OneTimeTTL {
		t.Fatalf("expires in %v", d)
	}
	if err := got.Usable(time.Now().Add(OneTimeTTL + time.Second)); !errors.Is(err, ErrExpired) {
		t.Fatalf("after TTL: %v", err)
	}
	if _, _, err := s.IssueOneTime(OneTimeInput{NAS: "n1"}); err == nil {
		t.Fatal("issued without a MAC")
	}
}

func TestRememberFreeDevice(t *testing.T) {
	s := newTestStore(t)
	if err := s.RememberFreeDevice(DevicePassInput{MAC: "02:00:00:00:00:01", Days: 7}); err != nil {
		t.Fatal(err)
	}
	d, err := s.Device("02:00:00:00:00:01")
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.Get(d.Username)
	if err != nil || c.BoundMAC != d.MAC || c.UsesLeft != -1 || c.Usable(time.Now().AddDate(0, 0, 6)) != nil {
		t.Fatalf("device credential %+v, %v", c, err)
	}
	if err := s.RememberFreeDevice(DevicePassInput{MAC: "x", Days: 0}); err == nil {
		t.Fatal("0 days accepted")
	}
}

func TestIssueFreeCountsPerDevicePerDay(t *testing.T) {
	s := newTestStore(t)
	day := time.Date(2026, 3, 1, 23, 0, 0, 0, time.UTC) // 07:00 on 2 March in Hong Kong
	s.now = func() time.Time { return day }
	in := OneTimeInput{MAC: "aa:bb:cc:dd:ee:01", NAS: "n1"}
	for i := 1; i <= 2; i++ {
		if _, _, used, err := s.IssueFree(in, 2); err != nil || used != i {
			t.Fatalf("session %d: used %d, %v", i, used, err)
		}
	}
	if _, _, used, err := s.IssueFree(in, 2); !errors.Is(err, ErrNoFreeLeft) || used != 2 {
		t.Fatalf("third: used %d, %v; want ErrNoFreeLeft", used, err)
	}
	if n, _ := s.FreeUsedToday(in.MAC); n != 2 {
		t.Fatalf("FreeUsedToday = %d", n)
	}
	if _, _, _, err := s.IssueFree(OneTimeInput{MAC: "aa:bb:cc:dd:ee:02", NAS: "n1"}, 2); err != nil {
		t.Fatalf("other device: %v", err)
	}
	day = day.Add(17 * time.Hour) // past midnight in Hong Kong
	if _, _, used, err := s.IssueFree(in, 2); err != nil || used != 1 {
		t.Fatalf("next day: used %d, %v", used, err)
	}
}

// Many clicks at once from one device share commits; the allowance still
// holds exactly, and the refused clicks leave no credential behind.
func TestIssueFreeConcurrentClicks(t *testing.T) {
	s := newTestStore(t)
	in := OneTimeInput{MAC: "aa:bb:cc:dd:ee:03", NAS: "n1"}
	const clicks = 24
	type result struct {
		c   Credential
		err error
	}
	out := make(chan result, clicks)
	start := make(chan struct{})
	for range clicks {
		go func() {
			<-start
			c, _, _, err := s.IssueFree(in, 2)
			out <- result{c, err}
		}()
	}
	close(start)
	issued, refused := 0, 0
	for range clicks {
		r := <-out
		switch {
		case r.err == nil:
			issued++
			if _, err := s.Get(r.c.Username); err != nil {
				t.Fatalf("issued credential not stored: %v", err)
			}
		case errors.Is(r.err, ErrNoFreeLeft):
			refused++
		default:
			t.Fatal(r.err)
		}
	}
	if issued != 2 || refused != clicks-2 {
		t.Fatalf("issued %d, refused %d; want 2 and %d", issued, refused, clicks-2)
	}
	if n, _ := s.FreeUsedToday(in.MAC); n != 2 {
		t.Fatalf("FreeUsedToday = %d", n)
	}
	n := 0
	s.db.View(func(tx *store.Tx) error {
		return tx.Scan(store.Credentials, "ot-", func(string, func(any) error) (bool, error) { n++; return true, nil })
	})
	if n != 2 {
		t.Fatalf("%d one-time credentials stored, want 2", n)
	}
}

func TestOneTimeNamesSortByTime(t *testing.T) {
	t0 := time.Date(2026, 11, 27, 1, 0, 0, 0, time.UTC)
	prev := oneTimeName(t0)
	for _, d := range []time.Duration{time.Millisecond, time.Second, time.Hour, 24 * time.Hour, 400 * 24 * time.Hour} {
		n := oneTimeName(t0.Add(d))
		if len(n) != 20 || n[:3] != "ot-" || n <= prev {
			t.Fatalf("%q after %q (+%v)", n, prev, d)
		}
		prev = n
	}
	if a, b := oneTimeName(t0), oneTimeName(t0); a == b || a[:12] != b[:12] {
		t.Fatalf("same millisecond: %q %q", a, b)
	}
}
