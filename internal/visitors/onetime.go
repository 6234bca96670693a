package visitors

import (
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/internal/store"
)

// OneTimeTTL is how long a portal-issued credential waits for its logon.
const OneTimeTTL = 5 * time.Minute

// OneTimeInput is what the portal issues a one-time credential for.
type OneTimeInput struct {
	MAC  string         // the device, lower-case colon form
	NAS  string         // the gateway's NAS ID
	Plan *hotspots.Plan // the plan it was issued under, nil for the venue's
	// Account is the signed-in account it stands for ("" for click-through).
	Account string
	TTL     time.Duration // default OneTimeTTL
}

// IssueOneTime stores a fresh credential bound to one device at one
// gateway, usable once within TTL, and returns it with its cleartext
// password for the UAM logon. Many concurrent calls share one commit.
func (s *Store) IssueOneTime(in OneTimeInput) (Credential, string, error) {
	if in.MAC == "" || in.NAS == "" {
		return Credential{}, "", errors.New("visitors: one-time credential: MAC and NAS are required")
	}
	if in.TTL <= 0 {
		in.TTL = OneTimeTTL
	}
	now := s.now().UTC()
	secret := randomString(secretAlphabet, 20)
	c := Credential{
		Username: "ot-" + randomString(codeAlphabet, 14), Kind: KindOneTime,
		SecretSealed: s.Seal(secret), BoundMAC: in.MAC, BoundNAS: in.NAS,
		ExpiresAt: now.Add(in.TTL), UsesLeft: 1, Plan: in.Plan, Contact: in.Account, Created: now,
	}
	if err := s.insertBatch(c); err != nil {
		return Credential{}, "", err
	}
	return c, secret, nil
}

// DevicePassInput is a remembered device's standing credential.
type DevicePassInput struct {
	MAC  string
	Plan *hotspots.Plan
	Days int
}

// RememberFreeDevice gives a click-through device a credential that lasts
// Days and remembers the MAC with it, so MAC authentication lets it in;
// the plan's daily allowance still applies.
func (s *Store) RememberFreeDevice(in DevicePassInput) error {
	if in.Days < 1 || in.Days > 365 {
		return fmt.Errorf("visitors: remember: %d days is not 1-365", in.Days)
	}
	until := s.now().UTC().AddDate(0, 0, in.Days)
	c := Credential{Username: "dev-" + randomString(codeAlphabet, 14), Kind: KindOneTime,
		BoundMAC: in.MAC, ExpiresAt: until, UsesLeft: -1, Plan: in.Plan}
	if err := s.insertBatch(c); err != nil {
		return err
	}
	return s.RememberDevice(Device{MAC: in.MAC, Username: c.Username, ExpiresAt: until})
}

// RememberAccountDevice remembers a device for a signed-in account for days.
func (s *Store) RememberAccountDevice(mac, account string, days int) error {
	if days < 1 || days > 365 {
		return fmt.Errorf("visitors: remember: %d days is not 1-365", days)
	}
	return s.RememberDevice(Device{MAC: mac, Username: account, ExpiresAt: s.now().UTC().AddDate(0, 0, days)})
}

// insertBatch is Insert through the store's group commit.
func (s *Store) insertBatch(c Credential) error {
	if c.Created.IsZero() {
		c.Created = s.now().UTC()
	}
	return s.db.Batch(func(tx *store.Tx) error {
		if tx.Has(store.Visitors, c.Username) || tx.Has(store.Credentials, c.Username) {
			return fmt.Errorf("%w: %q", ErrExists, c.Username)
		}
		return tx.Put(bucketOf(c.Kind), c.Username, c)
	})
}

// Alphabets without look-alikes (no 0/O, 1/I/L) for codes people type.
const (
	codeAlphabet   = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
	secretAlphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
)

// randomString draws n characters uniformly from alphabet.
func randomString(alphabet string, n int) string {
	out := make([]byte, n)
	buf := make([]byte, n*2)
	for i := 0; i < n; {
		rand.Read(buf)
		for _, b := range buf {
			if int(b) < 256-256%len(alphabet) && i < n { // no modulo bias
				out[i] = alphabet[int(b)%len(alphabet)]
				i++
			}
		}
	}
	return string(out)
}
