package web

import (
	"testing"
	"time"
)

func TestLimiter(t *testing.T) {
	now := time.Unix(1000, 0)
	l := NewLimiter(1, 3, 2)
	l.now = func() time.Time { return now }
	for i := 0; i < 3; i++ {
		if !l.Allow("a") {
			t.Fatalf("event %d within burst refused", i)
		}
	}
	if l.Allow("a") {
		t.Fatal("4th event in the same instant allowed")
	}
	if !l.Allow("b") {
		t.Fatal("other key refused")
	}
	if l.Allow("c") {
		t.Fatal("third key allowed although table is full of busy buckets")
	}
	now = now.Add(1500 * time.Millisecond)
	if !l.Allow("a") {
		t.Fatal("refill after 1.5 s refused")
	}
	now = now.Add(10 * time.Second)
	if !l.Allow("c") {
		t.Fatal("new key refused after old buckets refilled")
	}
}
