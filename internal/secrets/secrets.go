// Package secrets seals values that the controller must be able to read back
// (NAS shared secrets, UAM secrets, the CHAP secrets of visitor accounts) with
// AES-256-GCM under a key file kept beside the database. A copy of the
// database or a backup alone does not reveal them; the key file is created
// once with mode 0600 and must be backed up separately.
package secrets

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"os"

	"github.com/wifihk/wifihk/internal/datadir"
)

// ErrBadSealed means a sealed value is corrupt or was sealed under another key.
var ErrBadSealed = errors.New("secrets: cannot open sealed value (wrong master key file?)")

// Sealer seals and opens values.
type Sealer struct {
	aead cipher.AEAD
	key  []byte
}

// Load reads data dir dir's master key, creating it (and dir) on first use:
// only in a fresh dir (datadir.Dir.Check), never beside a database or a
// journal, where a new key would stand where the operator expects theirs.
func Load(dir string) (*Sealer, error) {
	path := datadir.Dir(dir).MasterKey()
	key, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		if fresh, err := datadir.Dir(dir).Check(); !fresh {
			if err == nil { // created meanwhile
				err = fmt.Errorf("secrets: %s appeared while being created", path)
			}
			return nil, err
		}
		key = make([]byte, 32)
		rand.Read(key)
		if err := datadir.Dir(dir).Create(); err != nil {
			return nil, fmt.Errorf("secrets: %w", err)
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return nil, fmt.Errorf("secrets: create key: %w", err)
		}
		_, err = f.Write(key)
		if err == nil {
			err = f.Sync()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, fmt.Errorf("secrets: write key: %w", err)
		}
	} else if err != nil {
		return nil, fmt.Errorf("secrets: read key: %w", err)
	}
	return New(key)
}

// New returns a Sealer for a 32-byte key.
func New(key []byte) (*Sealer, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("secrets: key is %d bytes, want 32", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("secrets: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("secrets: %w", err)
	}
	return &Sealer{aead: aead, key: append([]byte(nil), key...)}, nil
}

// Key derives a 32-byte key for one purpose, named by label, from the
// master key (HMAC-SHA256), so that each use has its own key and none
// reveals the master key.
func (s *Sealer) Key(label string) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte("wifihk key: " + label))
	return m.Sum(nil)
}

// Seal encrypts plain; the result is printable.
func (s *Sealer) Seal(plain string) string {
	nonce := make([]byte, s.aead.NonceSize())
	rand.Read(nonce)
	return base64.RawStdEncoding.EncodeToString(s.aead.Seal(nonce, nonce, []byte(plain), nil))
}

// Open decrypts what Seal returned.
func (s *Sealer) Open(sealed string) (string, error) {
	raw, err := base64.RawStdEncoding.DecodeString(sealed)
	n := s.aead.NonceSize()
	if err != nil || len(raw) < n {
		return "", ErrBadSealed
	}
	plain, err := s.aead.Open(nil, raw[:n], raw[n:], nil)
	if err != nil {
		return "", ErrBadSealed
	}
	return string(plain), nil
}
