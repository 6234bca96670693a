package portal

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"hash"
	"strconv"
	"strings"
	"sync"
	"time"
)

// FormTTL is how long a page's forms stay valid.
const FormTTL = 30 * time.Minute

// ErrExpiredForm means a form's signed UAM context is forged or too old.
var ErrExpiredForm = errors.New("portal: form expired or altered")

// signer signs the gateway's redirect query into the portal's own forms
// and links, so that what was checked on arrival (md, uamip) cannot be
// changed afterwards.
type signer struct {
	key  []byte
	now  func() time.Time
	macs sync.Pool // of keyed HMAC-SHA256 states
}

func (s *signer) mac(payload string) string {
	m, ok := s.macs.Get().(hash.Hash)
	if !ok {
		m = hmac.New(sha256.New, s.key)
	}
	m.Reset()
	m.Write([]byte("uam\x00"))
	m.Write([]byte(payload))
	var sum [sha256.Size]byte
	out := base64.RawURLEncoding.EncodeToString(m.Sum(sum[:0])[:18])
	s.macs.Put(m)
	return out
}

// sign returns a token carrying raw until FormTTL from now.
func (s *signer) sign(raw string) string {
	payload := base64.RawURLEncoding.EncodeToString([]byte(raw)) + "." + strconv.FormatInt(s.now().Add(FormTTL).Unix(), 36)
	return payload + "." + s.mac(payload)
}

// open returns what sign carried, or ErrExpiredForm.
func (s *signer) open(tok string) (string, error) { return s.openAt(tok, s.now()) }

// openStale returns what sign carried however old the token is: for
// read-only lookups of the visitor's own session (the Captive Portal API),
// never for a form.
func (s *signer) openStale(tok string) (string, error) { return s.openAt(tok, time.Time{}) }

// openAt opens tok if it was still valid at now (zero: ever).
func (s *signer) openAt(tok string, now time.Time) (string, error) {
	i := strings.LastIndexByte(tok, '.')
	if i < 0 || len(tok) > 2*MaxQuery {
		return "", ErrExpiredForm
	}
	payload, sum := tok[:i], tok[i+1:]
	if !hmac.Equal([]byte(sum), []byte(s.mac(payload))) {
		return "", ErrExpiredForm
	}
	b64, exp, ok := strings.Cut(payload, ".")
	until, err := strconv.ParseInt(exp, 36, 64)
	if !ok || err != nil || !now.IsZero() && now.Unix() > until {
		return "", ErrExpiredForm
	}
	raw, err := base64.RawURLEncoding.DecodeString(b64)
	if err != nil {
		return "", ErrExpiredForm
	}
	return string(raw), nil
}
