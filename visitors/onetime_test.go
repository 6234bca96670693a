package visitors

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/internal/secrets"
	"github.com/wifihk/wifihk/internal/store"
	"github.com/wifihk/wifihk/internal/storetest"
)

func newTestStore(t testing.TB) *Store {
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
	if d := time.Until(got.ExpiresAt); d <= 0 || d > OneTimeTTL {
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

// freeLogin is a click-through: a pass issued, then accepted by RADIUS.
func freeLogin(s *Store, in OneTimeInput, perDay int) error {
	c, _, _, err := s.IssueFree(in, perDay)
	if err != nil {
		return err
	}
	return s.Consume(c.Username)
}

func TestFreeSessionsCountPerDevicePerDay(t *testing.T) {
	s := newTestStore(t)
	day := time.Date(2026, 3, 1, 23, 0, 0, 0, time.UTC) // 07:00 on 2 March in Hong Kong
	s.now = func() time.Time { return day }
	in := OneTimeInput{MAC: "aa:bb:cc:dd:ee:01", NAS: "n1"}
	for i := 1; i <= 2; i++ {
		if err := freeLogin(s, in, 2); err != nil {
			t.Fatalf("session %d: %v", i, err)
		}
		if n, _ := s.FreeUsedToday(in.MAC); n != i {
			t.Fatalf("after session %d: FreeUsedToday = %d", i, n)
		}
	}
	if _, _, used, err := s.IssueFree(in, 2); !errors.Is(err, ErrNoFreeLeft) || used != 2 {
		t.Fatalf("third: used %d, %v; want ErrNoFreeLeft", used, err)
	}
	if err := freeLogin(s, OneTimeInput{MAC: "aa:bb:cc:dd:ee:02", NAS: "n1"}, 2); err != nil {
		t.Fatalf("other device: %v", err)
	}
	day = day.Add(17 * time.Hour) // past midnight in Hong Kong
	if _, _, used, err := s.IssueFree(in, 2); err != nil || used != 0 {
		t.Fatalf("next day: used %d, %v", used, err)
	}
}

// Clicking Connect many times yields passes, but RADIUS accepts only the
// allowance: many accepts at once share commits and the count holds.
func TestFreePassesAcceptedOnlyUpToTheAllowance(t *testing.T) {
	s := newTestStore(t)
	in := OneTimeInput{MAC: "aa:bb:cc:dd:ee:03", NAS: "n1"}
	const clicks = 24
	names := make([]string, clicks)
	for i := range names {
		c, _, _, err := s.IssueFree(in, 2)
		if err != nil {
			t.Fatal(err)
		}
		names[i] = c.Username
	}
	out := make(chan error, clicks)
	start := make(chan struct{})
	for _, n := range names {
		go func() {
			<-start
			out <- s.Consume(n)
		}()
	}
	close(start)
	accepted, refused := 0, 0
	for range clicks {
		switch err := <-out; {
		case err == nil:
			accepted++
		case errors.Is(err, ErrNoFreeLeft):
			refused++
		default:
			t.Fatal(err)
		}
	}
	if accepted != 2 || refused != clicks-2 {
		t.Fatalf("accepted %d, refused %d; want 2 and %d", accepted, refused, clicks-2)
	}
	if n, _ := s.FreeUsedToday(in.MAC); n != 2 {
		t.Fatalf("FreeUsedToday = %d", n)
	}
	n := 0
	s.db.View(func(tx *store.Tx) error {
		return tx.Scan(store.Credentials, "", func(string, func(any) error) (bool, error) { n++; return true, nil })
	})
	if n != 0 {
		t.Fatalf("%d credentials stored; a free pass is not stored", n)
	}
}

func TestFreePass(t *testing.T) {
	s := newTestStore(t)
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	s.now = func() time.Time { return now }
	plan := &hotspots.Plan{SessionTimeout: 1800}
	c, secret, _, err := s.IssueFree(OneTimeInput{MAC: "AA:bb:cc:dd:ee:04", NAS: "nas-7", Plan: plan}, 0)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Get(c.Username)
	if err != nil {
		t.Fatal(err)
	}
	if got.BoundMAC != "aa:bb:cc:dd:ee:04" || got.BoundNAS != "nas-7" || got.UsesLeft != 1 || got.Kind != KindOneTime ||
		!got.ExpiresAt.Equal(now.Add(OneTimeTTL+30*time.Minute)) || got.Usable(now) != nil {
		t.Fatalf("pass reads as %+v", got)
	}
	if open, err := s.Secret(got); err != nil || open != secret || len(secret) < 20 {
		t.Fatalf("secret %q, %v; want %q", open, err, secret)
	}
	// Another key, a changed character, or another prefix: not a pass.
	other, _ := secrets.New(bytes.Repeat([]byte{9}, 32))
	tampered := []byte(c.Username)
	tampered[10] ^= 1
	for _, name := range []string{string(tampered), "fp-", "fp-AAAA", "ot-" + c.Username[3:]} {
		if _, err := s.Get(name); !errors.Is(err, ErrUnknown) {
			t.Errorf("Get(%q): %v, want ErrUnknown", name, err)
		}
	}
	if _, err := New(s.db, other).Get(c.Username); !errors.Is(err, ErrUnknown) {
		t.Errorf("another master key reads the pass: %v", err)
	}
	// Used once only (past its retry window), and only within its TTL.
	if err := s.Consume(c.Username); err != nil {
		t.Fatal(err)
	}
	now = now.Add(passRetryWindow + time.Second)
	if err := s.Consume(c.Username); !errors.Is(err, ErrUsedUp) {
		t.Fatalf("second use: %v, want ErrUsedUp", err)
	}
	late, _, _, _ := s.IssueFree(OneTimeInput{MAC: "aa:bb:cc:dd:ee:05", NAS: "nas-7", Plan: plan}, 0)
	now = now.Add(OneTimeTTL)
	if got, _ := s.Get(late.Username); !errors.Is(got.Usable(now), ErrExpired) {
		t.Fatalf("after its TTL the pass is %+v", got)
	}
}

// A gateway's retry of a login whose Access-Accept it never got (the node
// that answered died) is accepted again inside the retry window, counting
// nothing more; after the window, or from a record older than the window's
// times, the pass is used up.
func TestFreePassRetryWindow(t *testing.T) {
	s := newTestStore(t)
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	s.now = func() time.Time { return now }
	const mac = "aa:bb:cc:dd:ee:07"
	issue := func() string {
		t.Helper()
		c, _, _, err := s.IssueFree(OneTimeInput{MAC: mac, NAS: "nas-7"}, 1)
		if err != nil {
			t.Fatal(err)
		}
		return c.Username
	}
	first, second := issue(), issue()
	if err := s.Consume(first); err != nil {
		t.Fatal(err)
	}
	now = now.Add(passRetryWindow - time.Second)
	if err := s.Consume(first); err != nil {
		t.Fatalf("the same pass retried inside the window: %v", err)
	}
	if n, err := s.FreeUsedToday(mac); err != nil || n != 1 {
		t.Fatalf("after a retry FreeUsedToday = %d, %v; want 1", n, err)
	}
	if err := s.Consume(second); !errors.Is(err, ErrNoFreeLeft) {
		t.Fatalf("another pass over an allowance of 1: %v, want ErrNoFreeLeft", err)
	}
	now = now.Add(2 * time.Second)
	if err := s.Consume(first); !errors.Is(err, ErrUsedUp) {
		t.Fatalf("the same pass after the window: %v, want ErrUsedUp", err)
	}
	// A record written before passes carried their time: used up at once.
	d := freeDay{Used: 1, Passes: []string{"0102030405ff"}}
	if err := d.decide("0102030405ff", 0, now); !errors.Is(err, ErrUsedUp) {
		t.Fatalf("an untimed pass: %v, want ErrUsedUp", err)
	}
	if err := d.decide("0102030405fe", 0, now); err != nil {
		t.Fatalf("another pass: %v", err)
	}
}

func FuzzParsePass(f *testing.F) {
	s := newTestStore(f)
	c, _, _, _ := s.IssueFree(OneTimeInput{MAC: "aa:bb:cc:dd:ee:06", NAS: "n"}, 2)
	for _, seed := range []string{c.Username, "fp-", "fp-AAAAAAAA", "fp-" + strings.Repeat("A", 64), "ot-X"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, name string) {
		p, err := s.parsePass(name)
		if err != nil {
			return
		}
		if s.passName(p) != name {
			t.Fatalf("%q parses to a pass named %q", name, s.passName(p))
		}
	})
}

func TestPurgeOneTimeDeletesOnlyExpired(t *testing.T) {
	s := newTestStore(t)
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	s.now = func() time.Time { return now }
	var names []string
	for range 5 { // issued 10:00, 11:00, ... 14:00, each usable 5 minutes
		c, _, err := s.IssueOneTime(OneTimeInput{MAC: "aa:bb:cc:dd:ee:07", NAS: "n1", Account: "acct"})
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, c.Username)
		now = now.Add(time.Hour)
	}
	if err := s.Insert(Credential{Username: "v-keep", Kind: KindVoucher, UsesLeft: 1,
		ExpiresAt: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	n, err := s.PurgeOneTime(time.Date(2026, 3, 2, 12, 2, 0, 0, time.UTC)) // 10:00 and 11:00 have expired
	if err != nil || n != 2 {
		t.Fatalf("purged %d, %v; want 2", n, err)
	}
	for i, name := range names {
		_, err := s.Get(name)
		if gone := errors.Is(err, ErrUnknown); gone != (i < 2) {
			t.Errorf("credential issued at %d:00: gone=%v (%v)", 10+i, gone, err)
		}
	}
	if _, err := s.Get("v-keep"); err != nil {
		t.Fatalf("an expired voucher was purged: %v", err)
	}
}
