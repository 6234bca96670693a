package visitors

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/wifihk/wifihk/internal/store"
)

// AccountInput is what creating a visitor account takes.
type AccountInput struct {
	Username string
	Password string
	// CHAP keeps a sealed copy of the password so CHAP can be checked too;
	// without it the account only has an argon2id hash (PAP only).
	CHAP bool
	Org  string
}

// AddAccount creates a visitor account (wifihk user add).
func (s *Store) AddAccount(in AccountInput) (Credential, error) {
	if err := in.validate(); err != nil {
		return Credential{}, err
	}
	c := Credential{
		Username: in.Username, Kind: KindAccount, UsesLeft: -1, Org: in.Org,
		PasswordHash: HashPassword(in.Password),
	}
	if in.CHAP {
		c.SecretSealed = s.Seal(in.Password)
	}
	if err := s.Insert(c); err != nil {
		return Credential{}, err
	}
	return s.Get(in.Username)
}

// SetAccountDisabled disables or enables the visitor account username
// (an account only, not a voucher or one-time code). A disabled account
// is refused at its next logon; sessions already open run on.
func (s *Store) SetAccountDisabled(username string, disabled bool) (Credential, error) {
	var c Credential
	err := s.db.Update(func(tx *store.Tx) error {
		if err := tx.Get(store.Visitors, username, &c); err != nil {
			return err
		}
		c.Disabled = disabled
		return tx.Put(store.Visitors, username, c)
	})
	return c, accountErr(username, err)
}

// DeleteAccount removes the visitor account username. Its sessions stay
// in accounting; a device remembered for it no longer signs in, as the
// account it names is gone.
func (s *Store) DeleteAccount(username string) error {
	err := s.db.Update(func(tx *store.Tx) error {
		if !tx.Has(store.Visitors, username) {
			return store.ErrNotFound
		}
		return tx.Delete(store.Visitors, username)
	})
	return accountErr(username, err)
}

func accountErr(username string, err error) error {
	switch {
	case errors.Is(err, store.ErrNotFound):
		return fmt.Errorf("%w: no account %q", ErrUnknown, username)
	case err != nil:
		return fmt.Errorf("visitors: account %q: %w", username, err)
	}
	return nil
}

func (in AccountInput) validate() error {
	if err := validUsername(in.Username); err != nil {
		return err
	}
	if n := utf8.RuneCountInString(in.Password); n < 8 || len(in.Password) > 128 {
		return fmt.Errorf("visitors: password: must be 8-128 characters (RADIUS carries at most 128 bytes)")
	}
	return nil
}

func validUsername(u string) error {
	if u == "" || len(u) > 64 || !utf8.ValidString(u) {
		return fmt.Errorf("visitors: username: must be 1-64 bytes of UTF-8")
	}
	for _, r := range u {
		if unicode.IsControl(r) || unicode.IsSpace(r) {
			return fmt.Errorf("visitors: username: %q has a space or control character", u)
		}
	}
	return nil
}

// SignInName is the account name a visitor's typed sign-in name stands
// for: an e-mail address or Hong Kong mobile number, normalised as
// NormalizeContact does (the accounts the portal creates), or else the
// plain user name of an account made with `wifihk user add`.
func SignInName(s string) (string, error) {
	if c, err := NormalizeContact(s); err == nil {
		return c, nil
	}
	s = strings.TrimSpace(s)
	if validUsername(s) != nil {
		return "", fmt.Errorf("%w, nor a user name", ErrBadContact)
	}
	return s, nil
}
