package accounting

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/wifihk/wifihk/internal/store"
)

// ErrSessionClosed is returned by SetTimeout for a session that has ended.
var ErrSessionClosed = errors.New("sessions: the session has ended")

// SetTimeout records on the open session id ("NAS/Acct-Session-Id") the
// Session-Timeout its NAS accepted in a CoA-Request (staff extending it),
// total from the session's start, so that the portal's time left counts
// from it rather than from the plan. It is written through the committer,
// as accounting is, so a later Interim-Update keeps it; the session's
// open-by-NAS index key is written again so that other nodes sharing the
// store read the session anew (follow.go).
func (s *Store) SetTimeout(id string, total time.Duration) (Session, error) {
	nas, acct, ok := strings.Cut(id, "/")
	if !ok {
		return Session{}, fmt.Errorf("%w: %q (want NAS/ACCT-SESSION-ID)", ErrNotFound, id)
	}
	if total < time.Second || total > math.MaxUint32*time.Second {
		return Session{}, fmt.Errorf("sessions: Session-Timeout %v out of range", total)
	}
	var out Session
	var refused error // not a store failure: nothing to write
	key := sessKey(nas, acct)
	p := &pending{job: func(w *writer) (int, error) {
		ss, err := w.get(key)
		switch {
		case errors.Is(err, store.ErrNotFound):
			refused = fmt.Errorf("%w: %q", ErrNotFound, id)
			return 0, nil
		case err != nil:
			return 0, err
		case !ss.Open:
			refused = fmt.Errorf("%w: %q", ErrSessionClosed, id)
			return 0, nil
		}
		ss.Timeout = uint32(total / time.Second)
		if err := w.put(key, ss); err != nil {
			return 0, err
		}
		w.index(byNAS(nas, acct))
		out = ss
		return 1, nil
	}}
	if err := s.run(p); err != nil {
		return Session{}, err
	}
	if p.err != nil {
		return Session{}, p.err
	}
	return out, refused
}
