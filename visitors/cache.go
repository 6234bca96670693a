package visitors

import (
	"bytes"
	"strings"
	"sync"

	"github.com/wifihk/wifihk/internal/store"
)

// CachedReader is a Store whose Get keeps decoded credentials and decodes a
// record again only when its stored bytes differ from the ones it decoded.
// Every Get still reads the store, so it never returns a stale credential;
// it only skips the JSON decoding, which was a third of the RADIUS server's
// work per Access-Request.
type CachedReader struct {
	*Store
	mu sync.Mutex
	m  map[string]cachedCredential
}

type cachedCredential struct {
	raw  []byte
	cred Credential
}

// maxCachedCredentials bounds the reader's memory; past it, it starts over.
const maxCachedCredentials = 100_000

// NewCachedReader wraps s.
func NewCachedReader(s *Store) *CachedReader {
	return &CachedReader{Store: s, m: map[string]cachedCredential{}}
}

// Get returns the credential named username, as Store.Get does. The
// returned Credential's Plan points at a shared value: do not modify it.
func (r *CachedReader) Get(username string) (Credential, error) {
	if c, ok, err := r.getPass(username); ok {
		return c, err
	}
	var raw []byte
	err := r.db.View(func(tx *store.Tx) error {
		var err error
		raw, err = getRawTx(tx, username)
		return err
	})
	if err != nil {
		return Credential{}, err
	}
	return r.decode(username, raw)
}

// Consume is Store.Consume, decoding the credential only when its stored
// bytes differ from those Get decoded: a login reads a credential and
// then consumes it. A credential used up leaves the cache.
func (r *CachedReader) Consume(username string) error {
	left, err := r.consume(username, r.decode)
	if err == nil && left == 0 && !strings.HasPrefix(username, passPrefix) {
		r.mu.Lock()
		delete(r.m, username)
		r.mu.Unlock()
	}
	return err
}

// decode returns the credential stored as raw, from the cache when it
// decoded the same bytes before.
func (r *CachedReader) decode(username string, raw []byte) (Credential, error) {
	r.mu.Lock()
	e, ok := r.m[username]
	r.mu.Unlock()
	if ok && bytes.Equal(e.raw, raw) {
		return e.cred, nil
	}
	c, err := decodeCredential(username, raw)
	if err != nil {
		return Credential{}, err
	}
	r.mu.Lock()
	if len(r.m) >= maxCachedCredentials {
		clear(r.m)
	}
	r.m[username] = cachedCredential{raw: raw, cred: c}
	r.mu.Unlock()
	return c, nil
}
