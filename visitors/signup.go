package visitors

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wifihk/wifihk/internal/store"
)

// Code purposes.
const (
	PurposeSignUp = "signup"
	PurposeReset  = "reset"
)

// Code limits: a code lives CodeTTL and allows CodeAttempts guesses.
const (
	CodeTTL      = 10 * time.Minute
	CodeAttempts = 5
)

var (
	// ErrBadCode means a one-time code is wrong, expired or used up.
	ErrBadCode = errors.New("visitors: wrong or expired code")
	// ErrBadContact means an e-mail address or mobile number is not valid.
	ErrBadContact = errors.New("visitors: not an e-mail address or Hong Kong mobile number (+852, 8 digits)")
)

// NormalizeContact returns a lower-case e-mail address or a mobile number
// as +852XXXXXXXX, which is also the account's username.
func NormalizeContact(s string) (string, error) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "@") {
		a, err := mail.ParseAddress(s)
		if err != nil || a.Address != s || len(s) > 254 || !strings.Contains(s[strings.LastIndex(s, "@"):], ".") {
			return "", ErrBadContact
		}
		return strings.ToLower(s), nil
	}
	d := strings.NewReplacer(" ", "", "-", "", "(", "", ")", "").Replace(s)
	d = strings.TrimPrefix(strings.TrimPrefix(d, "+852"), "852")
	if len(d) != 8 || strings.IndexByte("456789", d[0]) < 0 {
		return "", ErrBadContact
	}
	for _, c := range d {
		if c < '0' || c > '9' {
			return "", ErrBadContact
		}
	}
	return "+852" + d, nil
}

// IsMobile reports whether a normalised contact is a phone number (an
// email address may start "+852" too).
func IsMobile(contact string) bool {
	return strings.HasPrefix(contact, "+852") && !strings.Contains(contact, "@")
}

// pendingCode is a code sent and not yet used, in the portal_events bucket.
type pendingCode struct {
	Hash         string    `json:"hash"` // HMAC of the code under a random salt
	Salt         string    `json:"salt"`
	PasswordHash string    `json:"password_hash,omitempty"` // sign-up: the chosen password
	AttemptsLeft int       `json:"attempts_left"`
	ExpiresAt    time.Time `json:"expires_at"`
}

func codeKey(purpose, contact string) string { return "otp/" + purpose + "/" + contact }

func codeHash(salt, code string) string {
	m := hmac.New(sha256.New, []byte(salt))
	m.Write([]byte(code))
	return hex.EncodeToString(m.Sum(nil))
}

// ValidPassword checks a password a person chooses.
func ValidPassword(p string) error {
	if n := utf8.RuneCountInString(p); n < 8 || len(p) > 128 {
		return errors.New("visitors: password: must be 8-128 characters")
	}
	return nil
}

// StartSignUp records a pending account for contact with its password
// hash and returns the 6-digit code to send. The account appears only
// when the code comes back.
func (s *Store) StartSignUp(contact, password string) (string, error) {
	if err := ValidPassword(password); err != nil {
		return "", err
	}
	hash := HashPassword(password) // before the look-up, so both answers take as long
	if _, err := s.Get(contact); err == nil {
		return "", fmt.Errorf("%w: %s", ErrExists, "that address or number already has an account")
	}
	return s.newCode(PurposeSignUp, contact, hash)
}

// FinishSignUp checks the code and creates the account.
func (s *Store) FinishSignUp(contact, code string) (Credential, error) {
	p, err := s.useCode(PurposeSignUp, contact, code)
	if err != nil {
		return Credential{}, err
	}
	c := Credential{Username: contact, Kind: KindAccount, PasswordHash: p.PasswordHash, UsesLeft: -1, Contact: contact}
	if err := s.Insert(c); err != nil {
		return Credential{}, err
	}
	return s.Get(contact)
}

// StartReset returns a code to send for a password reset. For an unknown
// contact it returns ErrUnknown; the portal says the same either way.
func (s *Store) StartReset(contact string) (string, error) {
	c, err := s.Get(contact)
	if err != nil || c.Kind != KindAccount {
		return "", ErrUnknown
	}
	return s.newCode(PurposeReset, contact, "")
}

// FinishReset checks the code and sets a new password.
func (s *Store) FinishReset(contact, code, password string) error {
	if err := ValidPassword(password); err != nil {
		return err
	}
	if _, err := s.useCode(PurposeReset, contact, code); err != nil {
		return err
	}
	hash := HashPassword(password)
	return s.db.Update(func(tx *store.Tx) error {
		var c Credential
		if err := tx.Get(store.Visitors, contact, &c); err != nil {
			return ErrUnknown
		}
		c.PasswordHash = hash
		c.SecretSealed = "" // any CHAP copy was of the old password
		return tx.Put(store.Visitors, contact, c)
	})
}

// SignIn checks an account's password (argon2id) and that it may be used.
func (s *Store) SignIn(contact, password string) (Credential, error) {
	c, err := s.Get(contact)
	if err != nil || c.Kind != KindAccount || c.PasswordHash == "" {
		HashPassword(password) // spend the same time whether or not it exists
		return Credential{}, ErrBadPassword
	}
	if !CheckPassword(c.PasswordHash, password) {
		return Credential{}, ErrBadPassword
	}
	return c, c.Usable(s.now())
}

func (s *Store) newCode(purpose, contact, pwHash string) (string, error) {
	n, _ := rand.Int(rand.Reader, big.NewInt(1_000_000))
	code := fmt.Sprintf("%06d", n.Int64())
	salt := randomString(secretAlphabet, 16)
	p := pendingCode{Hash: codeHash(salt, code), Salt: salt, PasswordHash: pwHash,
		AttemptsLeft: CodeAttempts, ExpiresAt: s.now().Add(CodeTTL)}
	err := s.db.Update(func(tx *store.Tx) error { return tx.Put(store.PortalEvents, codeKey(purpose, contact), p) })
	return code, err
}

// useCode checks code; a wrong guess spends an attempt, a right one the code.
func (s *Store) useCode(purpose, contact, code string) (pendingCode, error) {
	var p pendingCode
	key := codeKey(purpose, contact)
	var bad bool
	err := s.db.Update(func(tx *store.Tx) error {
		if err := tx.Get(store.PortalEvents, key, &p); err != nil {
			bad = true
			return nil
		}
		if !s.now().Before(p.ExpiresAt) || p.AttemptsLeft <= 0 {
			bad = true
			return tx.Delete(store.PortalEvents, key)
		}
		if !hmac.Equal([]byte(codeHash(p.Salt, strings.TrimSpace(code))), []byte(p.Hash)) {
			bad = true
			p.AttemptsLeft--
			return tx.Put(store.PortalEvents, key, p)
		}
		return tx.Delete(store.PortalEvents, key)
	})
	if err != nil {
		return p, fmt.Errorf("visitors: %w", err)
	}
	if bad {
		return p, ErrBadCode
	}
	return p, nil
}
