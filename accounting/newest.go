package accounting

import (
	"container/heap"
	"sort"

	"github.com/wifihk/wifihk/internal/store"
)

// Newest returns the sessions most recently started, newest first, open
// ones only when openOnly, at most limit (0 = all). It reads every record
// once and keeps only limit of them in memory.
func (s *Store) Newest(openOnly bool, limit int) ([]Session, error) {
	return s.NewestWhere(func(ss *Session) bool { return !openOnly || ss.Open }, limit)
}

// NewestWhere is Newest for the sessions keep accepts: a history search.
func (s *Store) NewestWhere(keep func(*Session) bool, limit int) ([]Session, error) {
	h := &byStart{}
	s.readBarrier()
	err := s.db.View(func(tx *store.Tx) error {
		_, err := store.List(tx, store.Sessions, store.Query[Session]{Prefix: "s/",
			Keep: func(ss *Session) bool {
				if !keep(ss) {
					return false
				}
				heap.Push(h, *ss)
				if limit > 0 && h.Len() > limit {
					heap.Pop(h) // the oldest
				}
				return false
			}})
		return err
	})
	out := []Session(*h)
	sort.Slice(out, func(i, j int) bool { return h.newer(out[i], out[j]) })
	return out, err
}

// byStart is a min-heap of sessions by start (then ID), oldest on top.
type byStart []Session

func (h byStart) newer(a, b Session) bool {
	if !a.Started.Equal(b.Started) {
		return a.Started.After(b.Started)
	}
	return a.ID > b.ID
}
func (h byStart) Len() int           { return len(h) }
func (h byStart) Less(i, j int) bool { return h.newer(h[j], h[i]) }
func (h byStart) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *byStart) Push(x any)        { *h = append(*h, x.(Session)) }
func (h *byStart) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
