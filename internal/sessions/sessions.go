// Package sessions keeps the accounting sessions that NAS gateways report
// over RADIUS: one record per (NAS, Acct-Session-Id) with its usage, and the
// open sessions indexed by account and by NAS (Simultaneous-Use,
// Accounting-On/Off). Writes use the store's group commit, so a caller that
// gets nil back knows the record is on disk.
package sessions

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/wifihk/wifihk/internal/store"
)

// Status is what an accounting packet reports (Acct-Status-Type).
type Status int

// The statuses wifihk applies (RFC 2866 §5.1 values).
const (
	Start   Status = 1
	Stop    Status = 2
	Interim Status = 3
	On      Status = 7
	Off     Status = 8
)

// ErrNotFound means no session has that ID.
var ErrNotFound = errors.New("sessions: no such session")

// Session is one accounting session.
type Session struct {
	ID       string `json:"id"` // "NAS/Acct-Session-Id"
	NAS      string `json:"nas"`
	AcctID   string `json:"acct_session_id"`
	Username string `json:"username"`
	MAC      string `json:"mac,omitempty"`
	FramedIP string `json:"framed_ip,omitempty"`
	// NASAddr is the address the NAS last sent accounting from; Disconnect
	// and CoA requests go there.
	NASAddr string    `json:"nas_addr,omitempty"`
	Class   string    `json:"class,omitempty"` // the grant this session came from
	Open    bool      `json:"open"`
	Started time.Time `json:"started"`
	Updated time.Time `json:"updated"`
	Stopped time.Time `json:"stopped,omitempty"`
	// Totals, with Acct-Input/Output-Gigawords folded in.
	InputOctets    uint64 `json:"input_octets"`
	OutputOctets   uint64 `json:"output_octets"`
	InputPackets   uint32 `json:"input_packets"`
	OutputPackets  uint32 `json:"output_packets"`
	SessionTime    uint32 `json:"session_time_s"`
	TerminateCause string `json:"terminate_cause,omitempty"`
	// Updates counts the accounting packets applied (not retransmissions).
	Updates int `json:"updates"`
}

// Update is one accounting packet, decoded.
type Update struct {
	NAS, AcctID                 string
	Status                      Status
	Username, MAC, FramedIP     string
	NASAddr                     string
	Class                       string
	InputOctets, OutputOctets   uint64
	InputPackets, OutputPackets uint32
	SessionTime                 uint32
	TerminateCause              string
	At                          time.Time
}

// Store keeps sessions in the store's sessions and acct_seen buckets.
type Store struct {
	db     *store.DB
	now    func() time.Time
	once   sync.Once
	queue  chan *pending
	stop   chan struct{}
	closed chan struct{}
	// open is the committer's memory of committed open sessions, by key,
	// so an Interim does not decode its session again; only commitLoop
	// touches it.
	open map[string]Session
}

// maxCached bounds the committer's memory of open sessions.
const maxCached = 200_000

// New returns a Store over db. Only one Store per database should record
// accounting (Apply, CloseNAS): its committer keeps the open sessions in
// memory. Any number may read.
func New(db *store.DB) *Store {
	return &Store{db: db, now: time.Now, queue: make(chan *pending, 8192),
		stop: make(chan struct{}), closed: make(chan struct{}), open: map[string]Session{}}
}

// ErrClosed is returned by Apply after Close.
var ErrClosed = errors.New("sessions: store closed")

// maxGroup caps how many packets share one commit.
const maxGroup = 4096

type pending struct {
	u        Update
	closeNAS string // set: close this NAS's open sessions with cause u.TerminateCause
	applied  bool
	n        int
	err      error
	done     chan struct{}
}

// Key layout in the sessions bucket. NAS names hold no NUL, and usernames
// hold no control characters, so NUL separates fields.
func sessKey(nas, id string) string      { return "s/" + nas + "\x00" + id }
func byUser(user, nas, id string) string { return "u/" + user + "\x00" + nas + "\x00" + id }
func byNAS(nas, id string) string        { return "n/" + nas + "\x00" + id }

// Apply records one accounting packet durably: when it returns nil the
// record is on disk. It reports whether the packet changed anything (false
// for a packet already applied).
//
// Group commit: one goroutine commits everything that queued up while the
// previous commit was syncing, in one transaction and one fsync. Under load
// the groups grow by themselves; alone, a packet waits for no timer.
func (s *Store) Apply(u Update) (applied bool, err error) {
	if u.NAS == "" || (u.AcctID == "" && u.Status != On && u.Status != Off) {
		return false, errors.New("sessions: NAS and Acct-Session-Id are required")
	}
	if u.At.IsZero() {
		u.At = s.now()
	}
	u.At = u.At.UTC()
	p := &pending{u: u}
	if err := s.run(p); err != nil {
		return false, err
	}
	return p.applied, p.err
}

// run hands p to the committer and waits for its commit.
func (s *Store) run(p *pending) error {
	s.once.Do(func() { go s.commitLoop() })
	p.done = make(chan struct{})
	select {
	case s.queue <- p:
	case <-s.closed:
		return ErrClosed
	}
	select {
	case <-p.done:
		return nil
	case <-s.closed:
		return ErrClosed
	}
}

// Close stops the committer; packets not yet committed get ErrClosed.
func (s *Store) Close() {
	s.once.Do(func() { close(s.closed) }) // never started
	select {
	case <-s.stop:
	default:
		close(s.stop)
	}
	<-s.closed
}

func (s *Store) commitLoop() {
	defer close(s.closed)
	for {
		var first *pending
		select {
		case first = <-s.queue:
		case <-s.stop:
			return
		}
		group := []*pending{first}
	drain:
		for len(group) < maxGroup {
			select {
			case p := <-s.queue:
				group = append(group, p)
			default:
				break drain
			}
		}
		s.commit(group)
	}
}

// commit applies a group in one transaction; a store error fails them all
// (their NAS will retry).
func (s *Store) commit(group []*pending) {
	w := &writer{cache: s.open, staged: map[string]Session{}}
	err := s.db.Update(func(tx *store.Tx) error {
		w.tx = tx
		clear(w.staged) // Update does not retry, but stay correct if it did
		for _, p := range group {
			var err error
			if p.closeNAS != "" {
				p.n, err = closeNASTx(w, p.closeNAS, p.u.TerminateCause, p.u.At)
			} else {
				p.applied, err = applyOne(w, p.u)
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		if len(s.open)+len(w.staged) > maxCached {
			clear(s.open)
		}
		for k, ss := range w.staged {
			if ss.Open {
				s.open[k] = ss
			} else {
				delete(s.open, k)
			}
		}
	}
	for _, p := range group {
		if err != nil {
			p.applied, p.n, p.err = false, 0, fmt.Errorf("sessions: %w", err)
		}
		close(p.done)
	}
}

// writer is one commit's view of the sessions: what this transaction wrote,
// then the committed open sessions in memory, then the store.
type writer struct {
	tx     *store.Tx
	cache  map[string]Session
	staged map[string]Session
}

func (w *writer) get(key string) (Session, error) {
	if ss, ok := w.staged[key]; ok {
		return ss, nil
	}
	if ss, ok := w.cache[key]; ok {
		return ss, nil
	}
	var ss Session
	err := w.tx.Get(store.Sessions, key, &ss)
	return ss, err
}

func (w *writer) put(key string, ss Session) error {
	w.staged[key] = ss
	return w.tx.Put(store.Sessions, key, ss)
}

func applyOne(w *writer, u Update) (bool, error) {
	if u.Status == On || u.Status == Off {
		n, err := closeNASTx(w, u.NAS, "NAS-Reboot", u.At)
		return n > 0, err
	}
	return applyTx(w, u)
}

// applyTx folds u into its session. A packet that changes nothing (a
// retransmission, even with a new Identifier or after a restart, or an
// older report arriving late) writes nothing and reports false.
func applyTx(w *writer, u Update) (bool, error) {
	tx := w.tx
	ss, err := w.get(sessKey(u.NAS, u.AcctID))
	switch {
	case errors.Is(err, store.ErrNotFound):
		ss = Session{ID: u.NAS + "/" + u.AcctID, NAS: u.NAS, AcctID: u.AcctID, Open: true,
			Started: u.At.Add(-time.Duration(u.SessionTime) * time.Second)}
	case err != nil:
		return false, err
	}
	isNew := err != nil
	before := ss
	if !merge(&ss, u, isNew) {
		return false, nil
	}
	if err := w.put(sessKey(u.NAS, u.AcctID), ss); err != nil {
		return false, err
	}
	// Touch the open-session index only when it changes: an Interim for an
	// open session then dirties one page, not three.
	wasOpen := before.Open && !isNew
	switch {
	case wasOpen && ss.Open && before.Username == ss.Username:
		return true, nil
	case wasOpen:
		if err := unindex(tx, before); err != nil {
			return false, err
		}
	}
	if !ss.Open {
		return true, nil
	}
	if err := tx.Put(store.Sessions, byUser(ss.Username, ss.NAS, ss.AcctID), 1); err != nil {
		return false, err
	}
	return true, tx.Put(store.Sessions, byNAS(ss.NAS, ss.AcctID), 1)
}

// merge folds u into ss and reports whether anything changed. Counters
// only grow, so a repeated or reordered packet can neither double nor
// lower a total; a closed session is not reopened, and its first Stop's
// time and cause stand.
func merge(ss *Session, u Update, isNew bool) bool {
	changed := isNew
	fill := func(dst *string, v string) {
		if v != "" && *dst != v {
			*dst, changed = v, true
		}
	}
	grow64 := func(dst *uint64, v uint64) {
		if v > *dst {
			*dst, changed = v, true
		}
	}
	grow32 := func(dst *uint32, v uint32) {
		if v > *dst {
			*dst, changed = v, true
		}
	}
	if ss.Open {
		fill(&ss.Username, u.Username)
		fill(&ss.MAC, u.MAC)
		fill(&ss.FramedIP, u.FramedIP)
		fill(&ss.NASAddr, u.NASAddr)
		fill(&ss.Class, u.Class)
	} else if u.Status != Stop {
		return false // a late Start or Interim after the Stop
	}
	grow64(&ss.InputOctets, u.InputOctets)
	grow64(&ss.OutputOctets, u.OutputOctets)
	grow32(&ss.InputPackets, u.InputPackets)
	grow32(&ss.OutputPackets, u.OutputPackets)
	grow32(&ss.SessionTime, u.SessionTime)
	if u.Status == Stop && ss.Open {
		ss.Open, ss.Stopped, ss.TerminateCause, changed = false, u.At, u.TerminateCause, true
	}
	if changed {
		ss.Updates++
		if u.At.After(ss.Updated) {
			ss.Updated = u.At
		}
	}
	return changed
}

func unindex(tx *store.Tx, ss Session) error {
	if err := tx.Delete(store.Sessions, byUser(ss.Username, ss.NAS, ss.AcctID)); err != nil {
		return err
	}
	return tx.Delete(store.Sessions, byNAS(ss.NAS, ss.AcctID))
}

// CloseNAS closes every open session of a NAS, as on Accounting-On/Off.
func (s *Store) CloseNAS(nas, cause string) (int, error) {
	p := &pending{closeNAS: nas, u: Update{NAS: nas, TerminateCause: cause, At: s.now().UTC()}}
	if err := s.run(p); err != nil {
		return 0, err
	}
	return p.n, p.err
}

func closeNASTx(w *writer, nas, cause string, at time.Time) (int, error) {
	tx := w.tx
	var ids []string
	err := tx.Scan(store.Sessions, byNAS(nas, ""), func(k string, _ func(any) error) (bool, error) {
		ids = append(ids, strings.TrimPrefix(k, byNAS(nas, "")))
		return true, nil
	})
	if err != nil {
		return 0, err
	}
	for _, id := range ids {
		ss, err := w.get(sessKey(nas, id))
		if err != nil {
			return 0, err
		}
		ss.Open, ss.Stopped, ss.TerminateCause = false, at, cause
		if err := w.put(sessKey(nas, id), ss); err != nil {
			return 0, err
		}
		if err := unindex(tx, ss); err != nil {
			return 0, err
		}
	}
	return len(ids), nil
}

// OpenCount counts the open sessions of an account (Simultaneous-Use).
// A session with no accounting for longer than stale is not counted, so a
// gateway that lost its Stop does not lock the account out forever; stale
// 0 counts every open session.
func (s *Store) OpenCount(username string, stale time.Duration) (int, error) {
	n := 0
	cutoff := s.now().Add(-stale)
	err := s.db.View(func(tx *store.Tx) error {
		return tx.Scan(store.Sessions, "u/"+username+"\x00", func(k string, _ func(any) error) (bool, error) {
			nas, id, _ := strings.Cut(strings.TrimPrefix(k, "u/"+username+"\x00"), "\x00")
			var ss Session
			if err := tx.Get(store.Sessions, sessKey(nas, id), &ss); err != nil {
				return false, err
			}
			if stale == 0 || ss.Updated.After(cutoff) {
				n++
			}
			return true, nil
		})
	})
	return n, err
}

// Get returns the session with ID "NAS/Acct-Session-Id".
func (s *Store) Get(id string) (Session, error) {
	nas, acct, ok := strings.Cut(id, "/")
	var ss Session
	if !ok {
		return ss, fmt.Errorf("%w: %q (want NAS/ACCT-SESSION-ID)", ErrNotFound, id)
	}
	err := s.db.View(func(tx *store.Tx) error { return tx.Get(store.Sessions, sessKey(nas, acct), &ss) })
	if errors.Is(err, store.ErrNotFound) {
		return ss, fmt.Errorf("%w: %q", ErrNotFound, id)
	}
	return ss, err
}

// List returns sessions, open ones only when openOnly, at most limit (0 =
// all), in key order.
func (s *Store) List(openOnly bool, limit int) ([]Session, error) {
	var out []Session
	err := s.db.View(func(tx *store.Tx) error {
		return tx.Scan(store.Sessions, "s/", func(_ string, dec func(any) error) (bool, error) {
			var ss Session
			if err := dec(&ss); err != nil {
				return false, err
			}
			if !openOnly || ss.Open {
				out = append(out, ss)
			}
			return limit == 0 || len(out) < limit, nil
		})
	})
	return out, err
}
