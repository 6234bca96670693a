package accounting

import (
	"errors"
	"strconv"

	"github.com/wifihk/wifihk/internal/store"
)

// A NAS may hand a new session an Acct-Session-Id it used before:
// CoovaChilli builds it from the current second and the port, so a session
// that ends within the second it began gives the next login the same id.
// The pair NAS + Acct-Session-Id is therefore unique only at one time. A
// packet whose Class (one per Access-Accept, see radius/grant.go) or
// User-Name differs from the session's belongs to a new session: the old
// record moves aside to "ID~N" (closed, if the NAS lost its Stop), and the
// packet starts a record of its own under the id.

// reuseOf says why u belongs to another session than ss, or "" when it
// does not.
func reuseOf(ss Session, u Update) string {
	differs := func(a, b string) bool { return a != "" && b != "" && a != b }
	switch {
	case differs(ss.Class, u.Class):
		return "Class differs"
	case differs(ss.Username, u.Username):
		return "User-Name differs"
	}
	return ""
}

// Reuse is one Acct-Session-Id that a NAS used again for a new session.
type Reuse struct {
	NAS, AcctID string
	MovedTo     string // the old session's ID now
	Reason      string
}

// moveAside stores ss under the first free "ACCTID~N" key, closed at the
// new session's start if it was still open, and drops its open-session
// index entries. It returns the old session's new ID.
func moveAside(w *writer, ss Session, u Update) (string, error) {
	for n := 1; ; n++ {
		id := ss.AcctID + "~" + strconv.Itoa(n)
		_, err := w.get(sessKey(ss.NAS, id))
		if err == nil {
			continue
		}
		if !errors.Is(err, store.ErrNotFound) {
			return "", err
		}
		before := ss
		if ss.Open {
			unindex(w, ss)
			ss.Open, ss.Stopped = false, u.At
		}
		ss.ID = ss.NAS + "/" + id
		if err := w.put(sessKey(ss.NAS, id), ss); err != nil {
			return "", err
		}
		w.noteChange(&before, ss)
		return ss.ID, nil
	}
}

// ReusedIDs counts the Acct-Session-Ids this Store has seen reused for a
// new session (exported as a metric).
func (s *Store) ReusedIDs() int64 { return s.reused.Load() }

// noteReuses logs and counts what a commit found; only after the commit
// succeeded, so a retried packet is not counted twice.
func (s *Store) noteReuses(rs []Reuse) {
	for _, r := range rs {
		s.reused.Add(1)
		s.log.Warn("Acct-Session-Id reused by the NAS for a new session; the old one is kept as "+r.MovedTo,
			"nas", r.NAS, "acct_session_id", r.AcctID, "reason", r.Reason)
	}
}
