package visitors

import (
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/wifihk/wifihk/internal/store"
)

// Resumption ties an EAP session ticket, by the random tag it carries, to
// the account accepted in the session the ticket resumes, so that every
// node of a cluster can resume it without the inner authentication. The
// records live in the eap_resume bucket, keyed by the tag in hex.
type Resumption struct {
	Tag  string `json:"-"` // 32 hex digits
	User string `json:"user"`
	// Org and AccountCreated are the account's when it was accepted: a
	// resumption is refused when the account of that name is another one
	// now (moved to another organisation, or deleted and made again).
	Org            string    `json:"org,omitempty"`
	AccountCreated time.Time `json:"account_created"`
	// Method is the EAP method ("ttls", "peap", "tls") that issued the
	// ticket; a conversation of another method does not resume it.
	Method    string    `json:"method"`
	ExpiresAt time.Time `json:"expires_at"`
}

func checkTag(tag string) error {
	if b, err := hex.DecodeString(tag); err != nil || len(b) != 16 {
		return fmt.Errorf("%w: %q", ErrBadTag, tag)
	}
	return nil
}

// SaveResumptions stores rs in one transaction.
func (s *Store) SaveResumptions(rs []Resumption) error {
	for _, r := range rs {
		if err := checkTag(r.Tag); err != nil {
			return err
		}
	}
	err := s.db.Update(func(tx *store.Tx) error {
		for _, r := range rs {
			if err := tx.Put(store.Resumptions, r.Tag, r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("visitors: save resumptions: %w", err)
	}
	return nil
}

// Resumption returns the record of tag, or ErrUnknown when there is none
// or it expired.
func (s *Store) Resumption(tag string) (Resumption, error) {
	if err := checkTag(tag); err != nil {
		return Resumption{}, err
	}
	var r Resumption
	err := s.db.View(func(tx *store.Tx) error { return tx.Get(store.Resumptions, tag, &r) })
	switch {
	case errors.Is(err, store.ErrNotFound):
		return Resumption{}, fmt.Errorf("%w: resumption %s", ErrUnknown, tag)
	case err != nil:
		return Resumption{}, fmt.Errorf("visitors: resumption: %w", err)
	case !s.now().Before(r.ExpiresAt):
		return Resumption{}, fmt.Errorf("%w: resumption %s expired", ErrUnknown, tag)
	}
	r.Tag = tag
	return r, nil
}

// PurgeResumptions deletes the resumption records that expired before
// cutoff: each holds an account name, and an expired one resumes nothing.
func (s *Store) PurgeResumptions(cutoff time.Time) (int, error) {
	return s.purge("resumptions", store.Resumptions, "", expiredBefore(cutoff))
}
