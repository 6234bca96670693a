package journal

import (
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
	p.Barrier()
	if b := p.Backlog(); b.Records != 0 || b.Bytes != 0 || b.Failing || !st.has("down-199") || !st.has("first") {
		t.Errorf("after the store returned: %+v", b)
	}
	do(t, p, "after")
	if n := len(records(t, path)); n != 1 {
		t.Errorf("journal not emptied once caught up: %d records", n)
	}
}

// Beyond MaxSize, Append waits for the store after all.
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
	acked := make(chan struct{})
	go func() {
		defer close(acked)
		for i := range 100 {
			p.Do(&req{val: "0123456789-" + string(rune('a'+i%26))})
		}
	}()
	select {
	case <-acked:
		t.Fatal("100 records acknowledged past MaxSize")
	case <-time.After(300 * time.Millisecond):
	}
	st.mu.Lock()
	st.fail = 0
	st.mu.Unlock()
	<-acked
}
