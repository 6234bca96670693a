package journal

import (
	"errors"
	"path/filepath"
	"testing"
	"time"
)

// While the store fails, requests are still acknowledged: the journal
// grows past ResetAt (up to MaxSize) instead of waiting for the store,
// Backlog says how far behind the store is, and once the store answers
// the applier catches up by itself and the journal is emptied again.
func TestStoreDownKeepsAcknowledging(t *testing.T) {
	st := newMemStore()
	st.fail = 1 << 30
	path := filepath.Join(t.TempDir(), "j")
	p := openMem(t, path, st, func(c *Config[*req, []string]) { c.ResetAt = 512; c.Delay = time.Millisecond })
	do(t, p, "first")
	deadline := time.Now().Add(5 * time.Second)
	for !p.Failing() && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if !p.Failing() {
		t.Fatal("the applier's failure is not reported")
	}
	acked := make(chan struct{})
	go func() { defer close(acked); doAll(t, p, "down-", 200) }()
	select {
	case <-acked:
	case <-time.After(10 * time.Second):
		t.Fatal("requests are not acknowledged while the store is down")
	}
	b := p.Backlog()
	if b.Records != 201 || b.Bytes < 1000 || b.Oldest.IsZero() || !b.Failing || b.Age(time.Now()) <= 0 {
		t.Errorf("backlog while down: %+v", b)
	}
	if fi := records(t, path); len(fi) != 201 {
		t.Errorf("journal holds %d records past ResetAt, want 201", len(fi))
	}
	st.mu.Lock()
	st.fail = 0
	st.mu.Unlock()
	waitCaughtUp(t, p)
	if b := p.Backlog(); b.Records != 0 || b.Bytes != 0 || b.Failing || !st.has("down-199") || !st.has("first") {
		t.Errorf("after the store returned: %+v", b)
	}
	do(t, p, "after")
	if n := len(records(t, path)); n != 1 {
		t.Errorf("journal not emptied once caught up: %d records", n)
	}
}

// Beyond MaxSize, requests are refused (not acknowledged, so the NAS
// retries) until the store answers again.
func TestStoreDownMaxSize(t *testing.T) {
	st := newMemStore()
	st.fail = 1 << 30
	p := openMem(t, filepath.Join(t.TempDir(), "j"), st, func(c *Config[*req, []string]) {
		c.ResetAt, c.MaxSize, c.Delay = 64, 256, time.Millisecond
	})
	do(t, p, "first")
	for !p.Failing() {
		time.Sleep(time.Millisecond)
	}
	acked, refused := 0, 0
	for i := range 100 {
		r := &req{val: "0123456789-" + string(rune('a'+i%26))}
		err := p.Do(r)
		switch {
		case err == nil && r.err == nil:
			acked++
		case errors.Is(r.err, ErrBehind) || errors.Is(err, ErrBehind):
			refused++
		default:
			t.Fatalf("request %d: %v, %v", i, err, r.err)
		}
	}
	if refused == 0 || acked > 256/11 {
		t.Fatalf("past MaxSize: %d acknowledged, %d refused", acked, refused)
	}
	st.mu.Lock()
	st.fail = 0
	st.mu.Unlock()
	waitCaughtUp(t, p)
	do(t, p, "after")
	waitCaughtUp(t, p)
	if !st.has("after") || !st.has("first") {
		t.Fatal("the store lacks records after it returned")
	}
}

// waitCaughtUp waits until the applier has caught up after the store
// returned: Barrier fails at once while the last attempt failed.
func waitCaughtUp(t *testing.T, p *memPipeline) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); p.Barrier() != nil; {
		if time.Now().After(deadline) {
			t.Fatal("the applier did not catch up within 10 s of the store's return")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Close returns while the store is still down, and the records it could
// not apply stay in the journal for the next start.
func TestCloseWhileStoreIsDown(t *testing.T) {
	st := newMemStore()
	st.fail = 1 << 30
	path := filepath.Join(t.TempDir(), "j")
	p := openMem(t, path, st, func(c *Config[*req, []string]) { c.Delay = time.Millisecond })
	do(t, p, "kept")
	for !p.Failing() {
		time.Sleep(time.Millisecond)
	}
	closed := make(chan error)
	go func() { closed <- p.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close hangs while the store is down")
	}
	if n := len(records(t, path)); n != 1 {
		t.Fatalf("journal holds %d records after Close, want the unapplied one", n)
	}
}
