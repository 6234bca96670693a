package usage

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"hash"
	"sync"
	"time"

	"github.com/axiomhq/hyperloglog"

	"github.com/wifihk/wifihk/accounting"
)

// Places says where a venue ("org/location") rolls up to; ok false for a
// venue the registry does not know (it then counts under Unknown).
type Places interface {
	Place(venue string) (p Place, ok bool)
}

// key addresses one cell. It is 8 bytes with no padding, so that the
// maps keyed by it hash it as one word.
type key struct {
	scope sid
	hour  int32 // hours since the Unix epoch
}

func keyOf(s sid, h time.Time) key { return key{s, int32(h.Unix() / 3600)} }

// start is the key's hour.
func (k key) start() time.Time { return time.Unix(int64(k.hour)*3600, 0) }

// sid numbers a scope within one Aggregator, so that the committer's map
// work hashes integers, not strings.
type sid int32

// delta is what a cell gained since the last flush.
type delta struct {
	Cell
	devices *hyperloglog.Sketch // nil: none added
}

// live is a scope's open sessions now, and since when it has had that
// many, for the peaks.
type live struct {
	open  int64
	since time.Time
}

// Aggregator keeps the deltas since the last Flush. Its methods are safe
// for concurrent use.
type Aggregator struct {
	places Places
	pkey   []byte // HMAC key of the device pseudonyms

	mu     sync.Mutex
	cells  map[key]*delta
	rows   map[key][]*delta // by venue scope and hour: the cells of all its scopes
	live   []*live          // by sid; nil: none open yet
	ids    map[Scope]sid
	names  []Scope          // by sid; only appended to
	placed map[string][]sid // scopes by venue, until the next take
	mac    hash.Hash        // HMAC-SHA256 under pkey
	sum    [sha256.Size]byte
}

// NewAggregator returns an Aggregator that places venues with places and
// pseudonymises devices with HMAC-SHA256 under pseudonymKey.
func NewAggregator(places Places, pseudonymKey []byte) *Aggregator {
	return &Aggregator{places: places, pkey: pseudonymKey, cells: map[key]*delta{}, rows: map[key][]*delta{},
		ids: map[Scope]sid{}, placed: map[string][]sid{}, mac: hmac.New(sha256.New, pseudonymKey)}
}

func (a *Aggregator) cell(s sid, h time.Time) *delta {
	k := keyOf(s, h)
	d := a.cells[k]
	if d == nil {
		d = &delta{}
		a.cells[k] = d
	}
	return d
}

// row is the cells of hour h of scopes (a venue's, from scopesOf), found
// with one lookup: a change touches all of a venue's scopes at once.
func (a *Aggregator) row(scopes []sid, h time.Time) []*delta {
	k := keyOf(scopes[0], h)
	r := a.rows[k]
	if r == nil {
		r = make([]*delta, len(scopes))
		for i, sc := range scopes {
			r[i] = a.cell(sc, h)
		}
		a.rows[k] = r
	}
	return r
}

// scopesOf is where venue's figures count, remembered until the next
// flush so that a registry change reaches new figures within a flush.
func (a *Aggregator) scopesOf(venue string) []sid {
	if ids, ok := a.placed[venue]; ok {
		return ids
	}
	p, _ := a.places.Place(venue)
	var ids []sid
	for _, sc := range p.scopes(venue) {
		id, ok := a.ids[sc]
		if !ok {
			id = sid(len(a.names))
			a.ids[sc] = id
			a.names = append(a.names, sc)
			a.live = append(a.live, nil)
		}
		ids = append(ids, id)
	}
	a.placed[venue] = ids
	return ids
}

// Sessions folds a commit's changes in (accounting.Store.Observe).
func (a *Aggregator) Sessions(changes []accounting.Change) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, c := range changes {
		a.change(c.Before, &c.After)
	}
}

// change moves the figures from what before counted for to what after
// counts for, and the open-session counts. Only what differs is touched:
// a close adds its spread, not its start again.
func (a *Aggregator) change(before, after *accounting.Session) {
	scopes := a.scopesOf(after.Venue)
	switch {
	case before == nil:
		a.started(scopes, after, 1)
	case before.Venue != after.Venue || !before.Started.Equal(after.Started):
		a.started(a.scopesOf(before.Venue), before, -1)
		a.started(scopes, after, 1)
	}
	if before != nil && !before.Open {
		a.closed(a.scopesOf(before.Venue), before, -1, false)
	}
	wasOpen := before != nil && before.Open
	if after.Open {
		a.addDevice(scopes, hourOf(after.Started), a.pseudonym(after))
	} else {
		// An open session's device is in its start hour already.
		a.closed(scopes, after, 1, wasOpen && before.Started.Equal(after.Started) && before.Venue == after.Venue)
	}
	switch {
	case !wasOpen && after.Open:
		a.move(scopes, after.Started, 1)
	case wasOpen && !after.Open:
		a.move(scopes, after.Stopped, -1)
	case before == nil && !after.Open && after.Stopped.After(after.Started): // first seen closed (a lone Stop)
		a.move(scopes, after.Started, 1)
		a.move(scopes, after.Stopped, -1)
	}
}

// started counts s's start in its hour.
func (a *Aggregator) started(scopes []sid, s *accounting.Session, sign int64) {
	for _, d := range a.row(scopes, hourOf(s.Started)) {
		d.Sessions += sign
	}
}

// closed adds sign × a closed session's bytes and time, spread over its
// hours; its device goes in the sketches of those hours (only ever
// added; but the start hour's when hasStart says it is there).
func (a *Aggregator) closed(scopes []sid, s *accounting.Session, sign int64, hasStart bool) {
	first := hourOf(s.Started)
	var dev uint64
	if sign > 0 {
		dev = a.pseudonym(s)
	}
	spread(s, func(h time.Time, secs, up, down int64) {
		for _, d := range a.row(scopes, h) {
			d.Seconds += sign * secs
			d.BytesUp += sign * up
			d.BytesDown += sign * down
		}
		if sign > 0 && !(hasStart && h.Equal(first)) {
			a.addDevice(scopes, h, dev)
		}
	})
}

// contribute adds what a whole record counts for (Replay).
func (a *Aggregator) contribute(s *accounting.Session) {
	scopes := a.scopesOf(s.Venue)
	a.started(scopes, s, 1)
	if s.Open {
		a.addDevice(scopes, hourOf(s.Started), a.pseudonym(s))
		return
	}
	a.closed(scopes, s, 1, false)
}

func (a *Aggregator) addDevice(scopes []sid, h time.Time, dev uint64) {
	for i, d := range a.row(scopes, h) {
		if d.devices == nil {
			d.devices = a.newSketch(scopes[i])
		}
		d.devices.InsertHash(dev)
	}
}

// newSketch is sparse for a venue, organisation or district × venue
// type, which see few devices an hour, and dense for the big roll-ups,
// where a sparse sketch would spend its time merging and converting.
func (a *Aggregator) newSketch(sc sid) *hyperloglog.Sketch {
	switch a.names[sc][0] {
	case 'd', 't', 'c':
		sk, err := hyperloglog.NewSketch(Precision, false)
		if err != nil {
			panic(err) // Precision is a valid constant
		}
		return sk
	}
	return newSketch()
}

// pseudonym is the device's keyed hash: its MAC, else its account.
func (a *Aggregator) pseudonym(s *accounting.Session) uint64 {
	id := s.MAC
	if id == "" {
		id = "user:" + s.Username
	}
	a.mac.Reset()
	a.mac.Write([]byte(id))
	return binary.BigEndian.Uint64(a.mac.Sum(a.sum[:0]))
}

// spread calls fn for each hour [s.Started, s.Stopped] overlaps, with the
// seconds in it and its share of the bytes; the last hour takes what
// rounding leaves, so the shares add up exactly. A session of no length
// counts in its start hour.
func spread(s *accounting.Session, fn func(h time.Time, secs, up, down int64)) {
	from, to := s.Started.UTC(), s.Stopped.UTC()
	up, down := clampOctets(s.InputOctets), clampOctets(s.OutputOctets)
	total := to.Sub(from)
	if total <= 0 {
		fn(hourOf(from), 0, up, down)
		return
	}
	var gaveUp, gaveDown int64
	for h := hourOf(from); h.Before(to); h = h.Add(time.Hour) {
		lo, hi := maxTime(h, from), minTime(h.Add(time.Hour), to)
		part := hi.Sub(lo)
		u, d := share(up, part, total), share(down, part, total)
		if !h.Add(time.Hour).Before(to) {
			u, d = up-gaveUp, down-gaveDown
		}
		gaveUp, gaveDown = gaveUp+u, gaveDown+d
		fn(h, secondsIn(lo, hi, from), u, d)
	}
}

// secondsIn is the whole seconds of [lo, hi) counted from from, so that
// the hours' seconds add up to the session's whole seconds.
func secondsIn(lo, hi, from time.Time) int64 {
	return int64(hi.Sub(from)/time.Second) - int64(lo.Sub(from)/time.Second)
}

// share is n × part / total without overflow for any int64 n.
func share(n int64, part, total time.Duration) int64 {
	q, r := n/int64(total), n%int64(total)
	return q*int64(part) + r*int64(part)/int64(total)
}

func clampOctets(v uint64) int64 {
	if v > 1<<62 {
		return 1 << 62
	}
	return int64(v)
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// move changes the open sessions of the venue's scopes by n at t, first
// carrying each scope's count so far into the peaks of the hours up to t.
func (a *Aggregator) move(scopes []sid, t time.Time, n int64) {
	r := a.row(scopes, hourOf(t))
	for i, sc := range scopes {
		l := a.liveOf(sc, t)
		a.carry(sc, l, t)
		l.open += n
		if l.open > 0 {
			r[i].Peak = max(r[i].Peak, l.open)
		}
	}
}

// liveOf is scope sc's open sessions, counted from t if none were yet.
func (a *Aggregator) liveOf(sc sid, t time.Time) *live {
	l := a.live[sc]
	if l == nil {
		l = &live{since: t}
		a.live[sc] = l
	}
	return l
}

// carry puts l.open into the peak of every hour from l.since to t.
func (a *Aggregator) carry(sc sid, l *live, t time.Time) {
	if l.open > 0 {
		for h := hourOf(l.since); h.Before(t); h = h.Add(time.Hour) {
			d := a.cell(sc, h)
			d.Peak = max(d.Peak, l.open)
		}
	}
	if t.After(l.since) {
		l.since = t
	}
}

// Seed sets the open sessions at start, from the sessions open now.
func (a *Aggregator) Seed(open []accounting.Session, now time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, s := range open {
		if !s.Open {
			continue
		}
		for _, sc := range a.scopesOf(s.Venue) {
			a.liveOf(sc, now).open++
		}
	}
}

// APReport counts an agent's report: clients connected to one AP of
// venue at at.
func (a *Aggregator) APReport(venue string, at time.Time, clients int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, d := range a.row(a.scopesOf(venue), hourOf(at)) {
		d.APReports++
		d.ClientsSum += int64(clients)
		d.ClientsMax = max(d.ClientsMax, int64(clients))
	}
}

// take hands over the deltas and the scopes' names, first carrying open
// sessions up to now.
func (a *Aggregator) take(now time.Time) (map[key]*delta, []Scope) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for i, l := range a.live {
		if l == nil {
			continue
		}
		sc := sid(i)
		a.carry(sc, l, now)
		if l.open > 0 {
			d := a.cell(sc, hourOf(now))
			d.Peak = max(d.Peak, l.open)
		}
	}
	out := a.cells
	a.cells = map[key]*delta{}
	clear(a.rows)
	clear(a.placed)
	return out, a.names
}
