package store

import (
	"context"
	"log/slog"
	"slices"
	"sync"
)

// Change says which records one commit wrote in one bucket. Subscribers
// (DB.Subscribe) get one after every commit that wrote the bucket: from
// this DB at once, and, on a backend shared by several processes
// (PostgreSQL), from the others within milliseconds.
type Change struct {
	Bucket string
	// Keys are the keys put or deleted, each once; nil when All.
	Keys []string
	// All means any record of the bucket may have changed: a commit too
	// large to list, or changes missed while the feed reconnected.
	All bool
	// Local is set for a commit made through this DB; the subscriber
	// may already know what it wrote.
	Local bool
}

// Announcer is a BackendTx that tells the other processes sharing its
// database what the transaction wrote, delivered only if it commits
// (PostgreSQL's NOTIFY). Announce may be called more than once in a
// transaction (a Batch's callers each announce their own writes).
type Announcer interface {
	Announce(changes []Change) error
}

// Listener is a Backend shared with other processes: Listen delivers
// their commits (Local unset) until ctx ends, reconnecting after a loss.
// After each connection it delivers a Change with Bucket "" meaning
// "anything may have changed", since commits made meanwhile were missed.
type Listener interface {
	Listen(ctx context.Context, deliver func(Change))
}

// quietBuckets are never announced to other processes unless this one
// subscribes to them: they are most of the writes (reports, receipts,
// series, the audit log) and no node keeps them in memory.
var quietBuckets = map[string]bool{Reports: true, Series: true, AcctSeen: true, Audit: true}

// feed fans changes out to the DB's subscribers.
type feed struct {
	mu     sync.RWMutex
	subs   map[string][]*subscriber
	cancel context.CancelFunc // stops the Listener
	done   chan struct{}
}

type subscriber struct{ fn func(Change) }

// Subscribe calls fn with every change to bucket from now on, until
// cancel is called. A local commit's change is delivered in the
// committing goroutine before Update (or Batch) returns; other
// processes' changes come from one feed goroutine, in commit order. fn
// must be quick and must not write to the store; it may read it. A cache
// that subscribes stays current within the feed's delay (milliseconds on
// PostgreSQL) and must handle a change more than once.
func (db *DB) Subscribe(bucket string, fn func(Change)) (cancel func()) {
	f := &db.feed
	s := &subscriber{fn: fn}
	f.mu.Lock()
	if f.subs == nil {
		f.subs = map[string][]*subscriber{}
	}
	f.subs[bucket] = append(f.subs[bucket], s)
	f.mu.Unlock()
	return func() {
		f.mu.Lock()
		f.subs[bucket] = slices.DeleteFunc(f.subs[bucket], func(x *subscriber) bool { return x == s })
		f.mu.Unlock()
	}
}

// Listening reports whether the feed hears other processes' commits:
// false while a shared backend's feed connection is down (caches may then
// be stale until it is back and they reload), true on a backend no other
// process shares.
func (db *DB) Listening() bool {
	if l, ok := db.be.(interface{ Listening() bool }); ok {
		return l.Listening()
	}
	return true
}

// Shared reports whether other processes (or, as Options.Shared says,
// other writers in this one) may write the same records: true for a
// backend with a feed. On a store that is not shared, what a writer
// wrote is still what the store holds.
func (db *DB) Shared() bool {
	_, feed := db.be.(interface{ Listening() bool })
	return feed || db.shared
}

// SetLogger sets where a shared backend's feed logs a lost connection.
func (db *DB) SetLogger(l *slog.Logger) {
	if s, ok := db.be.(interface{ SetLogger(*slog.Logger) }); ok {
		s.SetLogger(l)
	}
}

// deliver calls the subscribers of c's bucket; a Change with no bucket
// goes to every subscriber as All.
func (f *feed) deliver(c Change) {
	f.mu.RLock()
	var targets []*subscriber
	var buckets []string
	if c.Bucket == "" {
		for b, ss := range f.subs {
			for range ss {
				buckets = append(buckets, b)
			}
			targets = append(targets, ss...)
		}
	} else {
		targets = slices.Clone(f.subs[c.Bucket])
	}
	f.mu.RUnlock()
	for i, s := range targets {
		if c.Bucket == "" {
			s.fn(Change{Bucket: buckets[i], All: true})
			continue
		}
		s.fn(c)
	}
}

// announced reports whether writes to bucket go to other processes.
func (f *feed) announced(bucket string) bool {
	if !quietBuckets[bucket] {
		return true
	}
	f.mu.RLock()
	defer f.mu.RUnlock()
	return len(f.subs[bucket]) > 0
}

// listen starts be's Listener, when it has one.
func (f *feed) listen(be Backend) {
	l, ok := be.(Listener)
	if !ok {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	f.cancel, f.done = cancel, make(chan struct{})
	go func() {
		defer close(f.done)
		l.Listen(ctx, f.deliver)
	}()
}

// stop ends the Listener and waits for it.
func (f *feed) stop() {
	if f.cancel != nil {
		f.cancel()
		<-f.done
	}
}

// writes records the keys a transaction put or deleted, per bucket.
type writes struct {
	order []string                       // buckets, in first-write order
	keys  map[string][]string            // bucket -> keys, each once
	seen  map[string]map[string]struct{} // bucket -> key set
}

func (w *writes) note(bucket, key string) {
	if w.seen == nil {
		w.seen, w.keys = map[string]map[string]struct{}{}, map[string][]string{}
	}
	set := w.seen[bucket]
	if set == nil {
		set = map[string]struct{}{}
		w.seen[bucket] = set
		w.order = append(w.order, bucket)
	}
	if _, ok := set[key]; ok {
		return
	}
	set[key] = struct{}{}
	w.keys[bucket] = append(w.keys[bucket], key)
}

// changes returns what w holds as one Change per bucket.
func (w *writes) changes(local bool) []Change {
	out := make([]Change, 0, len(w.order))
	for _, b := range w.order {
		out = append(out, Change{Bucket: b, Keys: w.keys[b], Local: local})
	}
	return out
}

// announce hands the transaction's writes to an Announcer backend, for
// the other processes; called at the end of a successful fn.
func (db *DB) announce(t BackendTx, w *writes) error {
	a, ok := t.(Announcer)
	if !ok || len(w.order) == 0 {
		return nil
	}
	var out []Change
	for _, c := range w.changes(false) {
		if db.feed.announced(c.Bucket) {
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return a.Announce(out)
}

// publish tells this DB's subscribers what a committed transaction wrote.
func (db *DB) publish(w *writes) {
	if w == nil {
		return
	}
	for _, c := range w.changes(true) {
		db.feed.deliver(c)
	}
}
