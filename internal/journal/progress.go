package journal

import "sync"

// Progress is how far the records of a journal have got: the last one
// journaled (made durable) and the last one applied to the store. The
// committer calls MarkJournaled, the applier MarkApplied and, once it has
// stopped, Stop; readers that must see every acknowledged record call
// Wait or Barrier. It is safe for concurrent use.
type Progress struct {
	hurry     chan struct{}
	mu        sync.Mutex
	cond      *sync.Cond
	journaled uint64
	applied   uint64
	stopped   bool
	failing   bool
}

// NewProgress returns a Progress at last: everything up to that record
// is journaled and applied (what replay left).
func NewProgress(last uint64) *Progress {
	p := &Progress{hurry: make(chan struct{}, 1), journaled: last, applied: last}
	p.cond = sync.NewCond(&p.mu)
	return p
}

// MarkJournaled notes that record seq is durable in the journal.
func (p *Progress) MarkJournaled(seq uint64) {
	p.mu.Lock()
	p.journaled = seq
	p.mu.Unlock()
}

// MarkApplied notes that every record up to seq is in the store, and
// wakes the waiters.
func (p *Progress) MarkApplied(seq uint64) {
	p.mu.Lock()
	p.applied = seq
	p.cond.Broadcast()
	p.mu.Unlock()
}

// LastApplied returns the last record applied to the store.
func (p *Progress) LastApplied() uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.applied
}

// Hurry receives a value when a reader starts to wait; the applier selects
// on it to cut short the time it lets records gather.
func (p *Progress) Hurry() <-chan struct{} { return p.hurry }

// Wait waits until record seq is applied, or the applier has stopped. If
// it is not applied yet, Wait signals Hurry first.
func (p *Progress) Wait(seq uint64) {
	p.mu.Lock()
	caughtUp := p.applied >= seq
	p.mu.Unlock()
	if caughtUp {
		return
	}
	select {
	case p.hurry <- struct{}{}:
	default: // already signalled
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for p.applied < seq && !p.stopped {
		p.cond.Wait()
	}
}

// MarkFailing notes whether the applier's last attempt failed, and wakes
// the waiters of BarrierOrFailing.
func (p *Progress) MarkFailing(failing bool) {
	p.mu.Lock()
	p.failing = failing
	p.cond.Broadcast()
	p.mu.Unlock()
}

// BarrierOrFailing is Barrier that gives up, returning false, when the
// applier fails (or has stopped) before it catches up.
func (p *Progress) BarrierOrFailing() bool {
	select {
	case p.hurry <- struct{}{}:
	default:
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	seq := p.journaled
	for p.applied < seq && !p.stopped && !p.failing {
		p.cond.Wait()
	}
	return p.applied >= seq
}

// Barrier waits until every record journaled so far is applied (or the
// applier has stopped).
func (p *Progress) Barrier() {
	p.mu.Lock()
	seq := p.journaled
	p.mu.Unlock()
	p.Wait(seq)
}

// Stop releases the waiters, now and later: call it once the applier has
// stopped, when what is not applied by then never will be.
func (p *Progress) Stop() {
	p.mu.Lock()
	p.stopped = true
	p.cond.Broadcast()
	p.mu.Unlock()
}
