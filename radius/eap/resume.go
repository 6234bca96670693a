package eap

import (
	"encoding/hex"
	"sync"
	"time"

	"github.com/wifihk/wifihk/visitors"
)

// ResumptionStore is where the nodes of a cluster share their resumable
// sessions; visitors.Store implements it.
type ResumptionStore interface {
	SaveResumptions([]visitors.Resumption) error
	// Resumption returns the unexpired record of tag (hex), or an error
	// (visitors.ErrUnknown when there is none).
	Resumption(tag string) (visitors.Resumption, error)
}

// resumptions maps a ticket's tag to the session it resumes on this node.
// Two generations, swapped every ttl (or when the newer is full), bound it
// in time and size with no per-entry timers.
type resumptions struct {
	ttl  time.Duration
	max  int
	mu   sync.Mutex
	cur  map[string]visitors.Resumption
	prev map[string]visitors.Resumption
	swap time.Time
}

func newResumptions(ttl time.Duration, max int) *resumptions {
	return &resumptions{ttl: ttl, max: max, cur: map[string]visitors.Resumption{}, prev: map[string]visitors.Resumption{}}
}

func (r *resumptions) add(rec visitors.Resumption, now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if now.Sub(r.swap) >= r.ttl || len(r.cur) >= r.max {
		r.prev, r.cur, r.swap = r.cur, make(map[string]visitors.Resumption), now
	}
	r.cur[rec.Tag] = rec
}

func (r *resumptions) lookup(tag string, now time.Time) (visitors.Resumption, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	e, ok := r.cur[tag]
	if !ok {
		e, ok = r.prev[tag]
	}
	if !ok || !now.Before(e.ExpiresAt) {
		return visitors.Resumption{}, false
	}
	return e, true
}

// methodNames name the methods in resumption records.
var methodNames = map[Type]string{TypeTTLS: "ttls", TypePEAP: "peap", TypeTLS: "tls"}

// remember ties the tags of the tickets a conversation was given to its
// accepted outcome: in this node's table at once, in the shared store in
// the background.
func (s *Server) remember(o *Outcome) {
	now := s.cfg.Now()
	for _, tag := range o.resumeAs {
		rec := visitors.Resumption{Tag: hex.EncodeToString(tag[len(ticketTag):]), User: o.User,
			Org: o.Org, AccountCreated: o.AccountCreated, Method: methodNames[o.method],
			ExpiresAt: now.Add(s.cfg.ResumeFor)}
		s.resume.add(rec, now)
		if s.share != nil {
			s.share.add(rec)
		}
	}
}

// resumable returns the accepted session that a ticket's tag resumes in a
// conversation of method m: from this node's table, else from the shared
// store (kept here from then on).
func (s *Server) resumable(tag []byte, m Type) (visitors.Resumption, bool) {
	if len(tag) != len(ticketTag)+16 || string(tag[:len(ticketTag)]) != ticketTag {
		return visitors.Resumption{}, false
	}
	key, now := hex.EncodeToString(tag[len(ticketTag):]), s.cfg.Now()
	rec, ok := s.resume.lookup(key, now)
	if !ok && s.share != nil {
		rec, ok = s.share.load(key, now)
		if ok {
			s.resume.add(rec, now)
		}
	}
	return rec, ok && rec.Method == methodNames[m]
}

// ticketTag prefixes this server's entry in a ticket's Extra.
const ticketTag = "wifihk-eap1:"
