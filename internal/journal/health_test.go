package journal

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wifihk/wifihk/internal/tmpdisk"
)

// within fails the test unless cond holds within d, polling.
func within(t *testing.T, d time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > d {
			t.Fatalf("%s: not within %v", what, d)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return time.Since(start)
}

// TestPipelineStalledApplierHoldsNoReader: while the store cannot be
// written, Barrier returns at once with ErrBehind instead of waiting for
// the disk, Health says why, and both recover by themselves once the
// store can be written again.
func TestPipelineStalledApplierHoldsNoReader(t *testing.T) {
	st := newMemStore()
	p := openMem(t, filepath.Join(t.TempDir(), "j"), st, nil)
	st.mu.Lock()
	st.fail = 1 << 30
	st.mu.Unlock()
	do(t, p, "v") // journaled and acknowledged: the journal is fine
	within(t, 5*time.Second, "Health reports the applier", func() bool { return p.Health() != nil })
	if err := p.Health(); !strings.Contains(err.Error(), "cannot apply to the store: store unavailable") {
		t.Errorf("Health: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- p.Barrier() }()
	select {
	case err := <-done:
		if !errors.Is(err, ErrBehind) {
			t.Errorf("Barrier: %v, want ErrBehind", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Barrier waits on a failing applier")
	}
	st.mu.Lock()
	st.fail = 0
	st.mu.Unlock()
	took := within(t, time.Second, "Health recovers", func() bool { return p.Health() == nil })
	t.Logf("recovered %v after the store could be written", took)
	if err := p.Barrier(); err != nil || !st.has("v") {
		t.Fatalf("after recovery: %v, has v %v", err, st.has("v"))
	}
}

// TestPipelineFullDisk runs the journal on a real tmpfs that fills: an
// append fails (not acknowledged), Health says so, nothing waits for the
// disk, and once space returns Health clears within a second with no
// request arriving (the probe), and appends work again.
func TestPipelineFullDisk(t *testing.T) {
	disk := tmpdisk.ForTest(t, 1<<20)
	st := newMemStore()
	path := filepath.Join(disk.Dir, "j")
	p := openMem(t, path, st, nil)
	do(t, p, "before")
	if err := disk.Fill(); err != nil {
		t.Fatal(err)
	}
	big := strings.Repeat("x", 16<<10) // more than a page: needs a new block
	r := &req{val: big}
	if err := p.Do(r); err != nil || r.err == nil {
		t.Fatalf("append on a full disk: %v, %v; want an error", err, r.err)
	}
	if err := p.Health(); err == nil || !strings.Contains(err.Error(), "cannot write") {
		t.Fatalf("Health on a full disk: %v", err)
	}
	if err := p.Barrier(); err != nil {
		t.Fatalf("Barrier: %v", err) // the applier is fine: everything acknowledged is applied
	}
	if err := disk.Free(); err != nil {
		t.Fatal(err)
	}
	took := within(t, time.Second, "Health recovers with no request", func() bool { return p.Health() == nil })
	t.Logf("recovered %v after space returned", took)
	do(t, p, "after")
	if err := p.Barrier(); err != nil || !st.has("before") || !st.has("after") {
		t.Fatalf("after recovery: %v %v", err, st.vals)
	}
}
