package radius

import "sync"

// flushQueue gathers what many goroutines hand over for one of them at a
// time, the flusher, to send in batches: whoever queues onto an idle
// queue becomes the flusher and must drain it.
type flushQueue[T any] struct {
	mu       sync.Mutex
	out      []T
	spare    []T // the batch being sent, reused next
	flushing bool
}

// push queues v and reports whether the caller is now the flusher.
func (q *flushQueue[T]) push(v T) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.out = append(q.out, v)
	if q.flushing {
		return false
	}
	q.flushing = true
	return true
}

// drain hands what is queued to send, a batch at a time, until nothing
// is left, then gives up flushing.
func (q *flushQueue[T]) drain(send func([]T)) {
	for {
		q.mu.Lock()
		batch := q.out
		q.out, q.spare = q.spare[:0], batch
		if len(batch) == 0 {
			q.flushing = false
			q.mu.Unlock()
			return
		}
		q.mu.Unlock()
		send(batch)
		clear(batch)
	}
}
