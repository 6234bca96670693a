package visitors

import (
	"time"

	"github.com/wifihk/wifihk/hotspots"
)

// Kind is what sort of credential a username names.
type Kind string

// The credential kinds.
const (
	KindAccount Kind = "account" // a registered visitor (wifihk user add, portal sign-up)
	KindOneTime Kind = "onetime" // issued by the portal for one UAM logon
	KindVoucher Kind = "voucher" // printed by an operator
)

// Credential is one username a NAS may present. Records live in the
// visitors bucket (accounts) or the credentials bucket (one-time, voucher),
// keyed by username.
type Credential struct {
	Username string `json:"username"`
	Kind     Kind   `json:"kind"`
	// PasswordHash is an argon2id hash in PHC form ("" = no PAP by hash).
	PasswordHash string `json:"password_hash,omitempty"`
	// SecretSealed is the sealed cleartext, needed for CHAP ("" = no CHAP).
	SecretSealed string `json:"secret_sealed,omitempty"`
	// BoundMAC and BoundNAS restrict a one-time credential to one device at
	// one gateway.
	BoundMAC string `json:"bound_mac,omitempty"`
	BoundNAS string `json:"bound_nas,omitempty"`
	// ExpiresAt is when the credential stops working (zero = never).
	ExpiresAt time.Time `json:"expires_at,omitempty"`
	// UsesLeft counts the Access-Accepts still allowed; -1 = unlimited.
	UsesLeft int `json:"uses_left"`
	// Plan, when set, overrides the venue's plan (vouchers carry their own
	// duration and data cap; one-time credentials the plan they were issued
	// under).
	Plan *hotspots.Plan `json:"plan,omitempty"`
	// Org is the organisation whose "members" plans this account may use.
	Org string `json:"org,omitempty"`
	// Contact is the verified e-mail or +852 mobile of an account.
	Contact  string    `json:"contact,omitempty"`
	Disabled bool      `json:"disabled,omitempty"`
	Created  time.Time `json:"created"`
	// derivedSecret is a free pass's CHAP secret (freepass.go); never stored.
	derivedSecret string
}

// Usable reports why c may not be used at now, or nil.
func (c Credential) Usable(now time.Time) error {
	switch {
	case c.Disabled:
		return ErrDisabled
	case !c.ExpiresAt.IsZero() && !now.Before(c.ExpiresAt):
		return ErrExpired
	case c.UsesLeft == 0:
		return ErrUsedUp
	}
	return nil
}
