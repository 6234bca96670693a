package visitors

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
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
	var raw []byte
	err := r.db.View(func(tx *store.Tx) error {
		var err error
		raw, err = tx.GetRaw(store.Visitors, username)
		if errors.Is(err, store.ErrNotFound) {
			raw, err = tx.GetRaw(store.Credentials, username)
		}
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return Credential{}, ErrUnknown
	}
	if err != nil {
		return Credential{}, err
	}
	r.mu.Lock()
	e, ok := r.m[username]
	r.mu.Unlock()
	if ok && bytes.Equal(e.raw, raw) {
		return e.cred, nil
	}
	var c Credential
	if err := json.Unmarshal(raw, &c); err != nil {
		return Credential{}, fmt.Errorf("visitors: decode %q: %w", username, err)
	}
	r.mu.Lock()
	if len(r.m) >= maxCachedCredentials {
		clear(r.m)
	}
	r.m[username] = cachedCredential{raw: raw, cred: c}
	r.mu.Unlock()
	return c, nil
}
