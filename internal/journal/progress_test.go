package journal

import (
	"sync"
	"testing"
	"time"
)

// waiters starts n goroutines that call wait and returns a channel closed
// when all have returned.
func waiters(n int, wait func()) <-chan struct{} {
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			wait()
		}()
	}
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	return done
}

func released(t *testing.T, done <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatalf("waiters not released by %s", what)
	}
}

func stillWaiting(t *testing.T, done <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-done:
		t.Fatalf("waiters released by %s", what)
	case <-time.After(20 * time.Millisecond):
	}
}

func hurried(t *testing.T, p *Progress) {
	t.Helper()
	select {
	case <-p.Hurry():
	case <-time.After(10 * time.Second):
		t.Fatal("a waiting reader did not signal Hurry")
	}
}

func TestProgressWaitApplied(t *testing.T) {
	p := NewProgress(5)
	p.Wait(5) // replayed: returns at once
	p.Wait(2)
	select {
	case <-p.Hurry():
		t.Fatal("Wait on an applied record signalled Hurry")
	default:
	}

	p.MarkJournaled(6)
	p.MarkJournaled(7)
	done := waiters(8, func() { p.Wait(7) })
	hurried(t, p)
	p.MarkApplied(6)
	stillWaiting(t, done, "MarkApplied of an earlier record")
	p.MarkApplied(7)
	released(t, done, "MarkApplied")
	if got := p.LastApplied(); got != 7 {
		t.Fatalf("LastApplied %d, want 7", got)
	}
}

func TestProgressBarrier(t *testing.T) {
	p := NewProgress(0)
	p.Barrier() // nothing journaled
	p.MarkJournaled(1)
	p.MarkJournaled(2)
	done := waiters(1, func() { p.Barrier() })
	hurried(t, p)      // the waiter has read what is journaled
	p.MarkJournaled(3) // after the barrier: not waited for
	p.MarkApplied(2)
	released(t, done, "MarkApplied of the last record journaled before the barrier")
}

func TestProgressStop(t *testing.T) {
	p := NewProgress(0)
	p.MarkJournaled(1)
	done := waiters(8, func() { p.Wait(1) })
	hurried(t, p)
	stillWaiting(t, done, "nothing")
	p.Stop()
	released(t, done, "Stop")
	p.Wait(100) // after Stop: returns at once
	p.Barrier()
}
