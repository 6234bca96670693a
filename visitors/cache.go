package visitors

import (
	"bytes"
	"errors"
	"fmt"
	"sync"

	"github.com/wifihk/wifihk/internal/store"
)

// CachedReader is a Store whose Get and Device answer from memory, for the
// RADIUS server: it keeps the credentials and devices it read and forgets
// one when the store's change feed (store.DB.Subscribe) says its record
// was written, through this process (before that write returns) or
// through another node sharing the store. A miss reads the store.
//
// Consume stays a store transaction on the stored record, so a
// limited-use credential (voucher, one-time code) is never used more
// than its uses across all nodes, whatever the memory holds.
//
// Worst case on a cluster: a change made on another node reaches this
// memory after the feed's delay (a few milliseconds on PostgreSQL; while
// the feed reconnects, until it is back and the memory is emptied). For
// that long a credential deleted or disabled there, or whose password
// changed, may still be accepted here once per request; limited uses and
// allowances are not affected.
type CachedReader struct {
	*Store
	creds   memo[Credential]
	devices memo[Device]
}

// maxCached bounds each memory of the reader; past it, it starts over.
const maxCached = 100_000

// NewCachedReader wraps s, and follows s's store until the store closes.
func NewCachedReader(s *Store) *CachedReader {
	r := &CachedReader{Store: s}
	for _, b := range []string{store.Visitors, store.Credentials} {
		s.db.Subscribe(b, r.creds.forget)
	}
	s.db.Subscribe(store.Devices, r.devices.forget)
	return r
}

// Get returns the credential named username, as Store.Get does. The
// returned Credential's Plan points at a shared value: do not modify it.
func (r *CachedReader) Get(username string) (Credential, error) {
	if c, ok, err := r.getPass(username); ok {
		return c, err
	}
	return r.creds.get(username, func() (Credential, []byte, error) {
		var raw []byte
		err := r.db.View(func(tx *store.Tx) (err error) {
			raw, err = getRawTx(tx, username)
			return err
		})
		if err != nil {
			return Credential{}, nil, err
		}
		c, err := decodeCredential(username, raw)
		return c, raw, err
	})
}

// Device is Store.Device from memory.
func (r *CachedReader) Device(mac string) (Device, error) {
	d, err := r.devices.get(mac, func() (Device, []byte, error) {
		var d Device
		err := r.db.View(func(tx *store.Tx) error { return tx.Get(store.Devices, mac, &d) })
		if errors.Is(err, store.ErrNotFound) {
			return d, nil, ErrUnknownDevice
		}
		if err != nil {
			return d, nil, fmt.Errorf("visitors: %w", err)
		}
		return d, nil, nil
	})
	if err == nil && !d.ExpiresAt.IsZero() && !r.now().Before(d.ExpiresAt) {
		return d, ErrUnknownDevice
	}
	return d, err
}

// Consume is Store.Consume on the stored record, decoding it only when its
// bytes differ from those Get decoded: a login reads a credential and
// then consumes it.
func (r *CachedReader) Consume(username string) error {
	_, err := r.consume(username, func(username string, raw []byte) (Credential, error) {
		if c, ok := r.creds.same(username, raw); ok {
			return c, nil
		}
		return decodeCredential(username, raw)
	})
	return err
}

// memo is an invalidated cache of records by key. A fill that read the
// store before an invalidation is not kept, so that it cannot put back
// what the invalidation removed.
type memo[T any] struct {
	mu  sync.Mutex
	m   map[string]memoEntry[T]
	gen uint64 // counts invalidations
}

type memoEntry[T any] struct {
	v   T
	raw []byte // the stored bytes, when the filler gave them
}

// get returns key's value from memory, or from read (not kept on error).
func (c *memo[T]) get(key string, read func() (T, []byte, error)) (T, error) {
	c.mu.Lock()
	e, ok := c.m[key]
	gen := c.gen
	c.mu.Unlock()
	if ok {
		return e.v, nil
	}
	v, raw, err := read()
	if err != nil {
		return v, err
	}
	c.mu.Lock()
	if c.gen == gen {
		if c.m == nil || len(c.m) >= maxCached {
			c.m = map[string]memoEntry[T]{}
		}
		c.m[key] = memoEntry[T]{v: v, raw: raw}
	}
	c.mu.Unlock()
	return v, nil
}

// same returns the value kept for key when it was decoded from raw.
func (c *memo[T]) same(key string, raw []byte) (T, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	if !ok || e.raw == nil || !bytes.Equal(e.raw, raw) {
		var zero T
		return zero, false
	}
	return e.v, true
}

// forget drops what a change wrote (everything for an All).
func (c *memo[T]) forget(ch store.Change) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	if ch.All {
		clear(c.m)
		return
	}
	for _, k := range ch.Keys {
		delete(c.m, k)
	}
}
