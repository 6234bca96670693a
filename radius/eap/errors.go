package eap

import "errors"

var (
	// ErrMalformed means an EAP packet, an EAP-Message or a TTLS AVP is not
	// valid.
	ErrMalformed = errors.New("eap: malformed")
	// ErrTooLarge means a message is larger than this server accepts.
	ErrTooLarge = errors.New("eap: message too large")
	// ErrUnknownState means a State names no conversation (expired,
	// evicted, or never made here).
	ErrUnknownState = errors.New("eap: unknown or expired conversation")
	// ErrBusy means the conversation is handling another request.
	ErrBusy = errors.New("eap: conversation busy")
	// ErrBadPassword means an inner MSCHAPv2 response does not match.
	ErrBadPassword = errors.New("eap: inner password does not match")
	// ErrOutOfOrder means a response does not answer the last request.
	ErrOutOfOrder = errors.New("eap: response does not match the last request")
)
