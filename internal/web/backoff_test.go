package web

import (
	"net/http/httptest"
	"testing"
	"time"
)

// The policy: two failures free, from the third 1s, 2s, 4s … capped at 30s; a
// success or 15 quiet minutes start over; keys are independent.
func TestBackoff(t *testing.T) {
	now := time.Date(2026, 12, 4, 6, 0, 0, 0, time.UTC)
	b := &Backoff{Now: func() time.Time { return now }}
	for i := range 2 {
		if d := b.Failed("ann"); d != 0 {
			t.Fatalf("failure %d: wait %v, want none", i+1, d)
		}
	}
	var waits []time.Duration
	for range 8 {
		d := b.Failed("ann")
		waits = append(waits, d)
		if got := b.Wait("ann"); got != d {
			t.Fatalf("Wait %v after Failed %v", got, d)
		}
		now = now.Add(d) // the attacker waits out each delay
	}
	want := []time.Duration{1, 2, 4, 8, 16, 30, 30, 30}
	for i := range want {
		if waits[i] != want[i]*time.Second {
			t.Fatalf("waits %v, want %v seconds", waits, want)
		}
	}
	if b.Wait("bob") != 0 {
		t.Fatal("another account waits")
	}
	b.Failed("ann")
	now = now.Add(15*time.Minute + time.Second)
	if d := b.Wait("ann"); d != 0 {
		t.Fatalf("after 15 quiet minutes: wait %v", d)
	}
	if d := b.Failed("ann"); d != 0 {
		t.Fatalf("after 15 quiet minutes the count starts over; wait %v", d)
	}
	for range 5 {
		b.Failed("ann")
	}
	b.Succeeded("ann")
	if b.Wait("ann") != 0 || b.Failed("ann") != 0 {
		t.Fatal("a success does not start over")
	}
	rec := httptest.NewRecorder()
	RetryAfter(rec, 1500*time.Millisecond)
	if got := rec.Header().Get("Retry-After"); got != "2" {
		t.Fatalf("Retry-After %q", got)
	}
}
