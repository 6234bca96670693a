package visitors

import (
	"errors"
	"fmt"
	"time"

	"github.com/wifihk/wifihk/internal/store"
)

// ErrUnknownDevice means no remembered device has that MAC.
var ErrUnknownDevice = errors.New("visitors: device not remembered")

// Device is a MAC address a visitor asked to be remembered, so that the
// gateway can sign it in by MAC authentication (User-Name = the MAC) next
// time. Records live in the devices bucket, keyed by the MAC.
type Device struct {
	MAC string `json:"mac"` // lower-case, colon-separated
	// Username is the credential whose plan and limits apply to the device.
	Username  string    `json:"username"`
	ExpiresAt time.Time `json:"expires_at,omitempty"` // zero = never
	Created   time.Time `json:"created"`
}

// RememberDevice stores d, replacing an earlier record for the same MAC.
func (s *Store) RememberDevice(d Device) error {
	if d.MAC == "" || d.Username == "" {
		return errors.New("visitors: device: mac and username are required")
	}
	if d.Created.IsZero() {
		d.Created = s.now().UTC()
	}
	return s.db.Update(func(tx *store.Tx) error { return tx.Put(store.Devices, d.MAC, d) })
}

// Device returns the remembered device with that MAC, or ErrUnknownDevice
// (also once it has expired).
func (s *Store) Device(mac string) (Device, error) {
	var d Device
	err := s.db.View(func(tx *store.Tx) error { return tx.Get(store.Devices, mac, &d) })
	if errors.Is(err, store.ErrNotFound) {
		return d, ErrUnknownDevice
	}
	if err != nil {
		return d, fmt.Errorf("visitors: %w", err)
	}
	if !d.ExpiresAt.IsZero() && !s.now().Before(d.ExpiresAt) {
		return d, ErrUnknownDevice
	}
	return d, nil
}

// Consume uses up one Access-Accept of a credential with a limited number
// of uses (UsesLeft > 0); unlimited credentials are left alone. It returns
// ErrUsedUp when none is left.
func (s *Store) Consume(username string) error {
	_, err := s.consume(username, decodeCredential)
	return err
}

// consumePass is Consume for a free pass: ok is false for any other name.
// A pass is counted against its device's daily allowance as it is used,
// and fails with ErrNoFreeLeft when that is spent.
func (s *Store) consumePass(username string) (ok bool, err error) {
	p, ok, err := s.lookupPass(username)
	if !ok || err != nil {
		return ok, err
	}
	return true, s.usePass(p)
}

// consume is Consume with the decoder given; it returns the uses left.
func (s *Store) consume(username string, decode func(username string, raw []byte) (Credential, error)) (int, error) {
	if ok, err := s.consumePass(username); ok {
		return 0, err
	}
	var left int
	err := s.db.Batch(func(tx *store.Tx) error {
		raw, err := getRawTx(tx, username)
		if err != nil {
			return err
		}
		c, err := decode(username, raw)
		if err != nil {
			return err
		}
		switch left = c.UsesLeft; {
		case c.UsesLeft < 0:
			return nil
		case c.UsesLeft == 0:
			return ErrUsedUp
		}
		c.UsesLeft--
		left = c.UsesLeft
		return tx.Put(bucketOf(c.Kind), c.Username, c)
	})
	return left, err
}
