package eap

import (
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/wifihk/wifihk/visitors"
)

// sharer writes accepted sessions to the store the nodes share, in the
// background: an EAP-Success never waits for a commit. One goroutine runs
// while there is something to write and takes everything queued in one
// transaction, at most one every shareEvery: an idle node writes a
// session at once, a busy one in larger commits, and the commits (each an
// fsync on bbolt) stay few beside accounting's. The queue is capped; what
// does not fit resumes on this node only.
type sharer struct {
	store ResumptionStore
	log   *slog.Logger
	max   int

	mu      sync.Mutex
	idle    sync.Cond // signalled when the writer stops
	queue   []visitors.Resumption
	running bool
	failing bool // the last write failed (logged once until one succeeds)
	stats   ShareStats
}

// ShareStats counts what the shared store was given and asked.
type ShareStats struct {
	Saved, Failed, Dropped uint64 // records written, lost to a failed write, refused by a full queue
	Loaded, LoadFailed     uint64 // records found on a miss of this node's table; reads that failed
}

func newSharer(st ResumptionStore, log *slog.Logger, max int) *sharer {
	w := &sharer{store: st, log: log, max: max}
	w.idle.L = &w.mu
	return w
}

// add queues rec for the writer, starting it if it is not running.
func (w *sharer) add(rec visitors.Resumption) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.queue) >= w.max {
		w.stats.Dropped++
		return
	}
	w.queue = append(w.queue, rec)
	if !w.running {
		w.running = true
		go w.run()
	}
}

// shareEvery spaces the shared store's commits, as accounting's applier
// does bbolt's: at most 20 a second from each node.
const shareEvery = 50 * time.Millisecond

// run writes the queue until it is empty.
func (w *sharer) run() {
	for {
		w.mu.Lock()
		batch := w.queue
		w.queue = nil
		w.mu.Unlock()
		start := time.Now()
		w.wrote(len(batch), w.store.SaveResumptions(batch))
		if w.stopIfEmpty() {
			return
		}
		time.Sleep(shareEvery - time.Since(start))
	}
}

// stopIfEmpty ends the writer when nothing more was queued.
func (w *sharer) stopIfEmpty() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.queue) > 0 {
		return false
	}
	w.running = false
	w.idle.Broadcast()
	return true
}

func (w *sharer) wrote(n int, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err != nil {
		w.stats.Failed += uint64(n)
		if !w.failing {
			w.log.Warn("resumable sessions not shared with the other nodes; they resume on this node only", "err", err)
		}
	} else {
		w.stats.Saved += uint64(n)
		if w.failing {
			w.log.Info("resumable sessions shared again")
		}
	}
	w.failing = err != nil
}

// load reads tag's record from the shared store; a failed read is a miss
// (a full handshake), counted.
func (w *sharer) load(tag string, now time.Time) (visitors.Resumption, bool) {
	rec, err := w.store.Resumption(tag)
	w.mu.Lock()
	defer w.mu.Unlock()
	switch {
	case errors.Is(err, visitors.ErrUnknown):
		return rec, false
	case err != nil:
		w.stats.LoadFailed++
		return rec, false
	}
	if !now.Before(rec.ExpiresAt) {
		return rec, false
	}
	w.stats.Loaded++
	return rec, true
}

// flush waits until the writer has written everything queued.
func (w *sharer) flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	for w.running {
		w.idle.Wait()
	}
}

func (w *sharer) counts() ShareStats {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.stats
}
