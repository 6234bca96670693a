package visitors

import "errors"

var (
	// ErrUnknown means no credential has that username.
	ErrUnknown = errors.New("visitors: unknown username")
	// ErrBadPassword means the password or CHAP response does not match.
	ErrBadPassword = errors.New("visitors: wrong password")
	// ErrNoCHAP means the credential keeps no recoverable secret.
	ErrNoCHAP = errors.New("visitors: CHAP not enabled for this account")
	// ErrExpired, ErrUsedUp and ErrDisabled say why a credential is refused.
	ErrExpired  = errors.New("visitors: credential expired")
	ErrUsedUp   = errors.New("visitors: credential used up")
	ErrDisabled = errors.New("visitors: account disabled")
	// ErrExists means the username is taken.
	ErrExists = errors.New("visitors: username taken")
	// ErrWrongDevice means a bound credential came from another MAC or NAS.
	ErrWrongDevice = errors.New("visitors: credential bound to another device or gateway")
	// ErrNotMember means a members plan refused a credential that belongs
	// to no organisation or to another than the venue's.
	ErrNotMember = errors.New("visitors: not a member of the venue's organisation")
	// ErrOtherOrganisation means a voucher printed by one organisation was
	// presented at a venue of another, or at a NAS with no venue.
	ErrOtherOrganisation = errors.New("visitors: voucher belongs to another organisation")
	// ErrBadTag means an EAP resumption tag is not 32 hex digits.
	ErrBadTag = errors.New("visitors: a resumption tag is 32 hex digits")
)
