package visitors

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/wifihk/wifihk/internal/secrets"
	"github.com/wifihk/wifihk/internal/store"
)

// Store keeps credentials, devices and allowances.
type Store struct {
	db      *store.DB
	sealer  *secrets.Sealer
	passKey []byte // signs free passes (freepass.go)
	// voucherKey derives vouchers' stored names from their codes (voucher.go)
	voucherKey []byte
	cas        caCache // parsed client-certificate CAs (clientcerts.go)
	now        func() time.Time
	held       heldFree // free sessions counted while the disk refused writes (freeheld.go)
}

// New returns a Store over db; sealer seals CHAP secrets.
func New(db *store.DB, sealer *secrets.Sealer) *Store {
	return &Store{db: db, sealer: sealer, passKey: sealer.Key("visitors free pass"),
		voucherKey: sealer.Key(voucherKeyLabel), now: time.Now}
}

func bucketOf(k Kind) string {
	if k == KindAccount {
		return store.Visitors
	}
	return store.Credentials
}

// Insert stores a new credential; the username must be free in both
// buckets, since a NAS presents only the name.
func (s *Store) Insert(c Credential) error {
	if c.Username == "" {
		return errors.New("visitors: username: required")
	}
	if c.Created.IsZero() {
		c.Created = s.now().UTC()
	}
	return s.db.Update(func(tx *store.Tx) error {
		if tx.Has(store.Visitors, c.Username) || tx.Has(store.Credentials, c.Username) {
			return fmt.Errorf("%w: %q", ErrExists, c.Username)
		}
		return tx.Put(bucketOf(c.Kind), c.Username, c)
	})
}

// Get returns the credential named username.
func (s *Store) Get(username string) (Credential, error) {
	if c, ok, err := s.getPass(username); ok {
		return c, err
	}
	var raw []byte
	err := s.db.View(func(tx *store.Tx) error {
		var err error
		raw, err = getRawTx(tx, username)
		return err
	})
	if err != nil {
		return Credential{}, err
	}
	return decodeCredential(username, raw)
}

// getPass answers Get for a free pass's name, which is not stored: ok is
// false for any other name.
func (s *Store) getPass(username string) (c Credential, ok bool, err error) {
	p, ok, err := s.lookupPass(username)
	if !ok || err != nil {
		return Credential{}, ok, err
	}
	return s.passCredential(username, p), true, nil
}

// getRawTx returns a credential's stored bytes, or ErrUnknown.
func getRawTx(tx *store.Tx, username string) ([]byte, error) {
	raw, err := tx.GetRaw(store.Visitors, username)
	if errors.Is(err, store.ErrNotFound) {
		raw, err = tx.GetRaw(store.Credentials, username)
	}
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrUnknown
	}
	return raw, err
}

func decodeCredential(username string, raw []byte) (Credential, error) {
	var c Credential
	if err := json.Unmarshal(raw, &c); err != nil {
		return Credential{}, fmt.Errorf("visitors: decode %q: %w", username, err)
	}
	return c, nil
}

// Secret opens a credential's sealed cleartext for CHAP.
func (s *Store) Secret(c Credential) (string, error) {
	if c.derivedSecret != "" {
		return c.derivedSecret, nil
	}
	if c.SecretSealed == "" {
		return "", ErrNoCHAP
	}
	return s.sealer.Open(c.SecretSealed)
}

// Seal seals a cleartext for Credential.SecretSealed.
func (s *Store) Seal(plain string) string { return s.sealer.Seal(plain) }
