// Package accounting keeps the accounting sessions that NAS gateways report
// over RADIUS: one record per (NAS, Acct-Session-Id) with its usage, and the
// open sessions indexed by account and by NAS (Simultaneous-Use,
// Accounting-On/Off). Writes are group-committed, so a caller that gets nil
// back knows the record is on disk: in bbolt (New), or in the accounting
// journal and then in bbolt (Open; see journal.go).
package accounting

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"math"
	"math/bits"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wifihk/wifihk/internal/journal"
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
	NASAddr string `json:"nas_addr,omitempty"`
	// Venue is the venue ("org/location") the NAS served when the session
	// was reported, for usage per venue in SQL.
	Venue string `json:"venue,omitempty"`
	Class string `json:"class,omitempty"` // the grant this session came from
	// Realm is the home realm of a visitor authenticated by another
	// operator's server (radius.Proxy), "" for our own.
	Realm   string    `json:"realm,omitempty"`
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
	// Stale is set when wifihk closed the session because its NAS went
	// silent (stale.go); an Interim-Update from the NAS reopens it.
	Stale bool `json:"stale,omitempty"`
	// Updates counts the accounting packets applied (not retransmissions).
	Updates int `json:"updates"`
	// Timeout is the Session-Timeout, in seconds from Started, that staff
	// gave the session with a CoA its NAS acknowledged (SetTimeout); 0:
	// the plan's.
	Timeout uint32 `json:"session_timeout_s,omitempty"`
}

// Octets is the session's traffic, in plus out, stopping at
// math.MaxInt64 rather than wrapping: with Gigawords each direction can
// reach 2^64-1, and the sum is added up further, per NAS and per venue.
func (s *Session) Octets() int64 {
	if sum, carry := bits.Add64(s.InputOctets, s.OutputOctets, 0); carry == 0 && sum <= math.MaxInt64 {
		return int64(sum)
	}
	return math.MaxInt64
}

// Update is one accounting packet, decoded.
type Update struct {
	NAS, AcctID                 string
	Status                      Status
	Username, MAC, FramedIP     string
	NASAddr                     string
	Venue                       string
	Class                       string
	Realm                       string
	InputOctets, OutputOctets   uint64
	InputPackets, OutputPackets uint32
	SessionTime                 uint32
	TerminateCause              string
	At                          time.Time
}

// Store keeps sessions in the store's sessions and acct_seen buckets.
type Store struct {
	db  *store.DB
	now func() time.Time
	// pl is the write path (journal.go): its committer runs commitGroup
	// on each group of packets and appends what the group writes as one
	// record to the journal (Open), or writes it to bbolt (New).
	pl *journal.Pipeline[*pending, []op]
	// appliedKey is where this journal's applied mark is kept (journal.go).
	appliedKey string
	// open is the committer's memory of committed open sessions, by key,
	// so an Interim does not decode its session again; only the committer
	// touches it.
	open map[string]Session

	// overlay holds session records journaled but perhaps not yet in
	// bbolt (nil without a journal); only the committer touches it, and
	// prunes it before it opens a read transaction, so a record leaves it
	// only once that transaction is sure to see it in bbolt.
	overlay map[string]staged
	pruned  uint64
	// folding holds the sessions (and NAS closes, nasFoldKey) with a
	// fold journaled and not yet applied, by the fold's seq (outage.go);
	// only the committer touches it.
	folding map[string]uint64

	byIP   openIndex // open sessions by Framed-IP (openindex.go)
	byUser openIndex // open sessions by account, with a journal
	byMAC  openIndex // open sessions by Calling-Station-Id

	log    *slog.Logger
	reused atomic.Int64  // Acct-Session-Ids reused for a new session (reuse.go)
	stale  staleCounters // stale.go
	// lastPacket is when a packet last arrived (Unix ns, the real clock),
	// for retention to yield to (retention.go).
	lastPacket atomic.Int64

	// Sessions other nodes wrote, for the committer to forget (follow.go).
	remoteMu  sync.Mutex
	remote    map[string]struct{}
	remoteAll bool

	observe func([]Change) // observe.go
}

// staged is a session record in the journal but not yet in bbolt.
type staged struct {
	seq uint64
	val []byte
}

// maxCached bounds the committer's memory of open sessions.
const maxCached = 200_000

// New returns a Store over db. Only one Store per database should record
// accounting (Apply, CloseNAS): its committer keeps the open sessions in
// memory. Any number may read.
func New(db *store.DB) *Store {
	s := newStore(db)
	if err := s.openPipeline("", nil); err != nil {
		panic(err) // without a journal there is nothing to open: a bug
	}
	return s
}

func newStore(db *store.DB) *Store {
	s := &Store{db: db, now: time.Now, open: map[string]Session{}, remote: map[string]struct{}{}, log: slog.New(slog.DiscardHandler),
		byIP: openIndex{field: byFramedIP}, byUser: openIndex{field: byUsername}, byMAC: openIndex{field: byMACAddr}}
	s.follow()
	return s
}

// Open returns a Store that records accounting through the journal at
// journalPath: a group of packets is durable after one append and one
// fdatasync, and is then applied to bbolt in the background. It first
// applies the records a crash left in the journal. Get and List wait for
// the records journaled before them to reach bbolt; OpenCount does not
// (it may lag by one background commit, a few milliseconds).
func Open(db *store.DB, journalPath string, log *slog.Logger) (*Store, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := newStore(db)
	s.overlay = map[string]staged{}
	s.log = log.With("component", "sessions")
	s.folding = map[string]uint64{}
	if err := s.openPipeline(journalPath, s.log); err != nil {
		return nil, fmt.Errorf("sessions: %w", err)
	}
	if err := s.markNewIndexed(); err != nil {
		s.Close()
		return nil, fmt.Errorf("sessions: %w", err)
	}
	// Replay has brought bbolt up to date and nothing is journaled yet:
	// build the open-session indexes now, so that no Access-Request ever
	// waits for the applier (which a full disk can stall) to build them.
	for _, x := range []*openIndex{&s.byUser, &s.byIP} {
		if err := s.build(x); err != nil {
			s.Close()
			return nil, fmt.Errorf("sessions: %w", err)
		}
	}
	return s, nil
}

// Sync waits until every record acknowledged so far is in bbolt too (a
// no-op without a journal): for readers that need read-your-writes from
// another Store or a copy of the database file. It fails at once, with an
// error wrapping journal.ErrBehind, while the records cannot be applied.
func (s *Store) Sync() error { return s.readBarrier() }

// readBarrier waits until everything journaled so far is in bbolt, or
// fails at once while the applier cannot write (a full disk).
func (s *Store) readBarrier() error {
	if err := s.pl.Barrier(); err != nil {
		return fmt.Errorf("sessions: %w", err)
	}
	return nil
}

// Health returns why accounting cannot be recorded or applied now, or nil.
func (s *Store) Health() error { return s.pl.Health() }

// ErrClosed is returned by Apply after Close.
var ErrClosed = errors.New("sessions: store closed")

type pending struct {
	u        Update
	closeNAS string // set: close this NAS's open sessions with cause u.TerminateCause
	applied  bool
	n        int
	err      error

	// job, when set, is a maintenance job (stale.go, retention.go).
	job func(w *writer) (int, error)
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
	s.lastPacket.Store(time.Now().UnixNano())
	p := &pending{u: u}
	if err := s.run(p); err != nil {
		return false, err
	}
	return p.applied, p.err
}

// ApplyAll is Apply for many packets at once: they are queued together
// (so they join the same group commit) and it returns when all are
// durable, with each one's result.
func (s *Store) ApplyAll(us []Update) (applied []bool, errs []error) {
	applied, errs = make([]bool, len(us)), make([]error, len(us))
	s.lastPacket.Store(time.Now().UnixNano())
	ps := make([]pending, len(us))
	tickets := make([]journal.Ticket, len(us))
	for i, u := range us {
		if u.NAS == "" || (u.AcctID == "" && u.Status != On && u.Status != Off) {
			errs[i] = errors.New("sessions: NAS and Acct-Session-Id are required")
			continue
		}
		if u.At.IsZero() {
			u.At = s.now()
		}
		u.At = u.At.UTC()
		ps[i].u = u
		tickets[i], errs[i] = s.pl.Submit(&ps[i])
		errs[i] = closedErr(errs[i])
	}
	for i := range ps {
		if errs[i] != nil {
			continue
		}
		if errs[i] = closedErr(tickets[i].Wait()); errs[i] == nil {
			applied[i], errs[i] = ps[i].applied, ps[i].err
		}
	}
	return applied, errs
}

// run hands p to the committer and waits for its commit.
func (s *Store) run(p *pending) error { return closedErr(s.pl.Do(p)) }

// closedErr gives the pipeline's ErrClosed this package's name.
func closedErr(err error) error {
	if errors.Is(err, journal.ErrClosed) {
		return ErrClosed
	}
	return err
}

// Close stops the committer; packets not yet committed get ErrClosed. In
// journal mode it then lets the applier finish and closes the journal.
func (s *Store) Close() { s.pl.Close() }

// commitGroup commits a group of packets that queued up together. A NAS
// reboot scans the open-session index in bbolt, so it starts a commit of
// its own once bbolt has every earlier record.
func (s *Store) commitGroup(group []*pending) {
	for len(group) > 0 {
		n := 1
		for n < len(group) && !alone(group[n]) && group[0].job == nil {
			n++
		}
		if group[0].job != nil && s.overlay != nil && s.pl.Failing() {
			fail(group[:1], errJobWaits) // retention waits for the store
			group = group[1:]
			continue
		}
		// While the store fails, waiting for it would stop every
		// acknowledgement: the close is folded instead (outage.go).
		blind := false
		if closesNAS(group[0]) {
			blind = !s.pl.BarrierOrFailing() && s.overlay != nil
		}
		s.commit(group[:n], blind)
		group = group[n:]
	}
}

// errJobWaits fails a maintenance job (retention.go, stale.go) while the
// store is unreachable: it would have to decide blind.
var errJobWaits = errors.New("sessions: the store is unreachable; try again once it answers")

// alone reports whether p starts a commit of its own: a job, or a close
// of a NAS's sessions.
func alone(p *pending) bool { return p.job != nil || closesNAS(p) }

func closesNAS(p *pending) bool {
	return p.closeNAS != "" || p.u.Status == On || p.u.Status == Off
}

// commit works out what a group writes, makes it durable in one go (a
// journal record, or a bbolt transaction without a journal) and answers
// the group; a store error fails them all (their NAS will retry). With a
// journal, a group the store cannot help decide (blind, or the store is
// unreachable) is decided from memory, folding what memory lacks.
func (s *Store) commit(group []*pending, blind bool) {
	s.pruneOverlay()
	s.dropRemote()
	newWriter := func() *writer {
		return &writer{cache: s.open, staged: map[string]Session{}, overlay: s.overlayGet, folding: maps.Clone(s.folding),
			observed: s.observe != nil}
	}
	w := newWriter()
	var err error
	// While the applier fails, reading the store would only fail too
	// (or hang until a timeout): decide from memory at once.
	blind = blind || s.overlay != nil && s.pl.Failing()
	if !blind {
		err = w.read(s.db, group)
		if errors.Is(err, errBlind) { // read beyond what read fetched: a reused Acct-Session-Id
			w = newWriter()
			err = s.db.View(func(tx *store.Tx) error { w.tx = tx; return decide(w, group) })
		}
	}
	if blind || errors.Is(err, store.ErrUnavailable) && s.overlay != nil {
		w = newWriter()
		err = decide(w, group)
	}
	if err == nil && len(w.ops) > 0 {
		var seq uint64
		seq, err = s.persist(w.ops)
		if err == nil && s.overlay != nil {
			s.noteFolds(w, seq)
		}
	}
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
		s.eachIndex(func(x *openIndex) { x.note(w.staged) })
		s.noteReuses(w.reuses)
		s.stale.reopened.Add(uint64(w.reopened))
		if len(w.changes) > 0 {
			s.observe(w.changes)
		}
	}
	if err != nil {
		fail(group, fmt.Errorf("sessions: %w", err))
	}
}

// fail answers every packet of group with err: none is acknowledged.
func fail(group []*pending, err error) {
	for _, p := range group {
		p.applied, p.n, p.err = false, 0, err
	}
}

// decide works out what group writes, with w.tx nil when the store
// cannot be read.
func decide(w *writer, group []*pending) error {
	for _, p := range group {
		var err error
		switch {
		case p.job != nil:
			p.n, err = p.job(w)
		case p.closeNAS != "":
			p.n, err = closeNASTx(w, p.closeNAS, p.u.TerminateCause, p.u.At)
		default:
			p.applied, err = applyOne(w, p.u)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// persist makes ops durable: as one journal record (one fdatasync) handed
// on to the applier, or in bbolt directly.
func (s *Store) persist(ops []op) (uint64, error) {
	seq, err := s.pl.Append(ops)
	if err != nil || s.overlay == nil {
		return seq, err
	}
	for _, o := range ops {
		if o.fold == 0 && strings.HasPrefix(o.key, "s/") {
			s.overlay[o.key] = staged{seq: seq, val: o.val} // nil val: removed
		}
	}
	return seq, nil
}

// pruneOverlay drops the records bbolt has now; the committer calls it
// before opening a read transaction.
func (s *Store) pruneOverlay() {
	if s.overlay == nil {
		return
	}
	done := s.pl.LastApplied()
	if done == s.pruned {
		return
	}
	for k, st := range s.overlay {
		if st.seq <= done {
			delete(s.overlay, k)
		}
	}
	s.pruneFolds(done)
	s.pruned = done
}

// overlayGet returns a session record journaled but maybe not in bbolt.
func (s *Store) overlayGet(key string) ([]byte, bool) {
	st, ok := s.overlay[key]
	return st.val, ok
}

// writer is one commit's view of the sessions: what this group wrote, then
// the committed open sessions in memory, then records journaled but not
// yet in the store, then the store. It collects the group's writes as ops.
type writer struct {
	tx      *store.Tx // read-only; nil when the store is not read (blind)
	cache   map[string]Session
	staged  map[string]Session
	overlay func(key string) ([]byte, bool)
	// fetched is what read fetched from the store: a session, or
	// missing (a session the store has never seen).
	fetched map[string]fetched
	ops     []op
	reuses  []Reuse // Acct-Session-Ids found reused (reuse.go)
	// reopened counts sessions closed as stale that came back.
	reopened int
	// folding, with a journal, is the sessions and NAS that must be
	// folded (outage.go): those of the store's and this commit's folds.
	folding map[string]uint64
	// observed says Observe is on; changes are then the group's writes.
	observed bool
	changes  []Change
}

type fetched struct {
	ss      Session
	missing bool
}

func (w *writer) get(key string) (Session, error) {
	if ss, ok := w.staged[key]; ok {
		return ss, nil
	}
	if ss, ok := w.cache[key]; ok {
		return ss, nil
	}
	var ss Session
	if raw, ok := w.overlay(key); ok {
		if raw == nil {
			return ss, store.ErrNotFound
		}
		if err := json.Unmarshal(raw, &ss); err != nil {
			return ss, fmt.Errorf("sessions: decode %s: %w", key, err)
		}
		return ss, nil
	}
	if f, ok := w.fetched[key]; ok {
		if f.missing {
			return ss, store.ErrNotFound
		}
		return f.ss, nil
	}
	if w.tx == nil {
		return ss, errBlind
	}
	err := w.tx.Get(store.Sessions, key, &ss)
	return ss, err
}

// read decides group with what the store holds: in one read transaction
// that first fetches, in one query, the sessions of the group's packets
// that are neither in memory nor journaled (the first packet of a session,
// or one whose session began on another node or before a restart). A group
// of Interim-Updates for sessions the committer knows is decided without
// opening a transaction.
func (w *writer) read(db *store.DB, group []*pending) error {
	var keys []string
	seen := map[string]bool{}
	scan := false
	for _, p := range group {
		if p.job != nil || closesNAS(p) {
			scan = true // closeNASTx reads the NAS's open sessions, a job what it likes
			continue
		}
		k := sessKey(p.u.NAS, p.u.AcctID)
		if _, ok := w.cache[k]; ok || seen[k] {
			continue
		}
		if _, ok := w.overlay(k); ok {
			continue
		}
		seen[k] = true
		keys = append(keys, k)
	}
	if len(keys) == 0 && !scan {
		return decide(w, group)
	}
	return db.View(func(tx *store.Tx) error {
		w.tx = tx
		if err := w.fetch(tx, keys); err != nil {
			return err
		}
		return decide(w, group)
	})
}

// fetch reads keys into w.fetched in one query.
func (w *writer) fetch(tx *store.Tx, keys []string) error {
	if w.fetched == nil {
		w.fetched = make(map[string]fetched, len(keys))
	}
	for _, k := range keys {
		w.fetched[k] = fetched{missing: true}
	}
	return tx.GetRawMany(store.Sessions, keys, func(k string, raw []byte) error {
		var ss Session
		if err := json.Unmarshal(raw, &ss); err != nil {
			return fmt.Errorf("sessions: decode %s: %w", k, err)
		}
		w.fetched[k] = fetched{ss: ss}
		return nil
	})
}

func (w *writer) put(key string, ss Session) error {
	raw, err := json.Marshal(ss)
	if err != nil {
		return fmt.Errorf("sessions: encode %s: %w", key, err)
	}
	w.staged[key] = ss
	w.ops = append(w.ops, op{key: key, val: raw})
	if !ss.Open {
		w.index(closedKey(ss)) // retention.go
	}
	return nil
}

// index adds an open-session index key; unindexKey removes one.
func (w *writer) index(key string)      { w.ops = append(w.ops, op{key: key, val: []byte("1")}) }
func (w *writer) unindexKey(key string) { w.ops = append(w.ops, op{del: true, key: key}) }

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
	key := sessKey(u.NAS, u.AcctID)
	if w.deferred(key, u.NAS) {
		return w.foldUpdate(key, u)
	}
	ss, err := w.get(key)
	switch {
	case errors.Is(err, errBlind):
		return w.foldUpdate(key, u)
	case errors.Is(err, store.ErrNotFound):
		ss = newSession(u)
	case err != nil:
		return false, err
	default:
		if why := reuseOf(ss, u); why != "" {
			to, merr := moveAside(w, ss, u)
			if merr != nil {
				return false, merr
			}
			w.reuses = append(w.reuses, Reuse{NAS: u.NAS, AcctID: u.AcctID, MovedTo: to, Reason: why})
			ss, err = newSession(u), store.ErrNotFound // a new session from here on
		}
	}
	isNew := err != nil
	before := ss
	if !merge(&ss, u, isNew) {
		return false, nil
	}
	if before.Stale && !ss.Stale {
		w.reopened++
	}
	if err := w.put(sessKey(u.NAS, u.AcctID), ss); err != nil {
		return false, err
	}
	if isNew {
		w.noteChange(nil, ss)
	} else {
		w.noteChange(&before, ss)
	}
	// Touch the open-session index only when it changes: an Interim for an
	// open session then dirties one page, not three.
	wasOpen := before.Open && !isNew
	switch {
	case wasOpen && ss.Open && before.Username == ss.Username:
		return true, nil
	case wasOpen:
		unindex(w, before)
	}
	if !ss.Open {
		return true, nil
	}
	w.index(byUser(ss.Username, ss.NAS, ss.AcctID))
	w.index(byNAS(ss.NAS, ss.AcctID))
	return true, nil
}

// newSession is the record u starts.
func newSession(u Update) Session {
	return Session{ID: u.NAS + "/" + u.AcctID, NAS: u.NAS, AcctID: u.AcctID, Open: true,
		Started: u.At.Add(-time.Duration(u.SessionTime) * time.Second)}
}

// merge folds u into ss and reports whether anything changed. Counters
// only grow, so a repeated or reordered packet can neither double nor
// lower a total; a closed session is not reopened (except one closed as
// stale, see reopen), and its first Stop's time and cause stand.
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
	if reopen(ss, u) {
		changed = true
	}
	if ss.Open {
		fill(&ss.Username, u.Username)
		fill(&ss.MAC, u.MAC)
		fill(&ss.FramedIP, u.FramedIP)
		fill(&ss.NASAddr, u.NASAddr)
		fill(&ss.Venue, u.Venue)
		fill(&ss.Class, u.Class)
		fill(&ss.Realm, u.Realm)
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

func unindex(w *writer, ss Session) {
	w.unindexKey(byUser(ss.Username, ss.NAS, ss.AcctID))
	w.unindexKey(byNAS(ss.NAS, ss.AcctID))
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
	if tx == nil || w.deferred("", nas) {
		return w.foldClose(nas, cause, at)
	}
	var ids []string
	err := tx.Scan(store.Sessions, byNAS(nas, ""), func(k string, _ func(any) error) (bool, error) {
		ids = append(ids, strings.TrimPrefix(k, byNAS(nas, "")))
		return true, nil
	})
	if err != nil {
		return 0, err
	}
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = sessKey(nas, id)
	}
	if err := w.fetch(tx, keys); err != nil {
		return 0, err
	}
	for _, id := range ids {
		ss, err := w.get(sessKey(nas, id))
		if err != nil {
			return 0, err
		}
		before := ss
		ss.Open, ss.Stopped, ss.TerminateCause = false, at, cause
		if err := w.put(sessKey(nas, id), ss); err != nil {
			return 0, err
		}
		w.noteChange(&before, ss)
		unindex(w, ss)
	}
	return len(ids), nil
}

// OpenCount counts the open sessions of an account (Simultaneous-Use).
// With a journal it counts from memory (byuser.go), current as of the
// last group commit.
// A session with no accounting for longer than stale is not counted, so a
// gateway that lost its Stop does not lock the account out forever; stale
// 0 counts every open session.
func (s *Store) OpenCount(username string, stale time.Duration) (int, error) {
	n := 0
	cutoff := s.now().Add(-stale)
	if s.pl.Journaled() {
		return s.openCountMemory(username, cutoff, stale)
	}
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
	if err := s.readBarrier(); err != nil {
		return ss, err
	}
	err := s.db.View(func(tx *store.Tx) error { return tx.Get(store.Sessions, sessKey(nas, acct), &ss) })
	if errors.Is(err, store.ErrNotFound) {
		return ss, fmt.Errorf("%w: %q", ErrNotFound, id)
	}
	return ss, err
}

// List returns sessions, open ones only when openOnly, at most limit (0 =
// all), in key order. The open ones are read through the open-by-NAS
// index, so that start-up (usage's seed, the alerts) reads the sessions
// open now and not every session kept.
func (s *Store) List(openOnly bool, limit int) ([]Session, error) {
	var out []Session
	if err := s.readBarrier(); err != nil {
		return nil, err
	}
	err := s.db.View(func(tx *store.Tx) (err error) {
		if openOnly {
			return scanOpen(tx, "", func(_ string, ss Session) (bool, error) {
				if ss.Open {
					out = append(out, ss)
				}
				return limit <= 0 || len(out) < limit, nil
			})
		}
		out, err = store.List(tx, store.Sessions, store.Query[Session]{Prefix: "s/", Limit: limit})
		return err
	})
	return out, err
}
