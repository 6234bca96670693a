package journal

import (
	"sync"
	"time"
)

// Backlog is how far the store is behind a journal: the records
// acknowledged (durable in the journal) and not yet applied.
type Backlog struct {
	Records int
	Bytes   int64     // their bodies' size
	Oldest  time.Time // when the oldest was journaled; zero when none
	// Failing is true while the applier's last attempt failed (the store
	// is unreachable): records then pile up in the journal, beyond
	// ResetAt up to MaxSize, and are applied once it answers again.
	Failing bool
}

// Age is how long the oldest record has waited, 0 when none.
func (b Backlog) Age(now time.Time) time.Duration {
	if b.Oldest.IsZero() {
		return 0
	}
	return now.Sub(b.Oldest)
}

// backlog tracks the records between the committer and the applier.
type backlog struct {
	mu      sync.Mutex
	recs    []pendingRec // in sequence order
	bytes   int64
	failing bool
}

type pendingRec struct {
	seq  uint64
	size int
	at   time.Time
}

func (b *backlog) add(seq uint64, size int, at time.Time) {
	b.mu.Lock()
	b.recs = append(b.recs, pendingRec{seq, size, at})
	b.bytes += int64(size)
	b.mu.Unlock()
}

// applied drops the records up to seq, or notes a failure (ok false).
func (b *backlog) applied(seq uint64, ok bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.failing = !ok
	if !ok {
		return
	}
	n := 0
	for n < len(b.recs) && b.recs[n].seq <= seq {
		b.bytes -= int64(b.recs[n].size)
		n++
	}
	b.recs = append(b.recs[:0], b.recs[n:]...)
}

func (b *backlog) get() Backlog {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := Backlog{Records: len(b.recs), Bytes: b.bytes, Failing: b.failing}
	if len(b.recs) > 0 {
		out.Oldest = b.recs[0].at
	}
	return out
}

func (b *backlog) isFailing() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.failing
}

// Backlog reports the records acknowledged and not yet in the store.
func (p *Pipeline[Q, R]) Backlog() Backlog { return p.backlog.get() }

// Failing reports whether the applier's last attempt to write to the
// store failed: a committer may then decide without reading the store.
func (p *Pipeline[Q, R]) Failing() bool { return p.backlog.isFailing() }
