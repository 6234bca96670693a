package accounting

// Change is one session record a commit wrote: what it was (nil for a new
// record) and what it is now. An Interim-Update that leaves an open
// session open is not a change here: it moves no figure the observers
// keep until the session closes.
type Change struct {
	Before *Session
	After  Session
}

// Observe has fn called, in the committer, with the changes of every
// group that committed. fn must be quick (it holds up the group's
// acknowledgements) and must not call the Store. Call Observe before the
// first Apply; it replaces any earlier fn.
func (s *Store) Observe(fn func([]Change)) { s.observe = fn }

// noteChange records a write for the observers; open to open is left
// out, and nothing is kept when no one observes.
func (w *writer) noteChange(before *Session, after Session) {
	if !w.observed || before != nil && before.Open && after.Open {
		return
	}
	if before != nil {
		b := *before
		before = &b
	}
	w.changes = append(w.changes, Change{Before: before, After: after})
}
