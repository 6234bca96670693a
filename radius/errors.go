package radius

import "errors"

// Why a packet was dropped. Each is a label of wifihk_radius_drops_total.
const (
	DropUnknownNAS   = "unknown_nas"          // source matches no registered NAS
	DropMalformed    = "malformed"            // bad length, bad attributes, junk
	DropBadCode      = "bad_code"             // a code this port does not serve
	DropMissingMA    = "missing_message_auth" // Message-Authenticator required but absent
	DropBadMA        = "bad_message_auth"     // Message-Authenticator does not verify
	DropBadAuth      = "bad_authenticator"    // Accounting-Request authenticator wrong (wrong secret)
	DropInFlight     = "duplicate_in_flight"  // a retransmission while the first is still being handled
	DropHandlerError = "handler_error"        // the handler could not answer (e.g. store failure)
	DropWriteError   = "write_error"          // the reply could not be sent
)

var (
	// ErrMalformed means a packet is not valid RADIUS.
	ErrMalformed = errors.New("radius: malformed packet")
	// ErrBadMessageAuthenticator means a Message-Authenticator does not verify.
	ErrBadMessageAuthenticator = errors.New("radius: Message-Authenticator does not verify")
	// ErrNoMessageAuthenticator means a required Message-Authenticator is missing.
	ErrNoMessageAuthenticator = errors.New("radius: Message-Authenticator missing")
	// ErrServerClosed is returned by Serve after Shutdown.
	ErrServerClosed = errors.New("radius: server closed")
	// ErrNoReply means a NAS did not answer a Disconnect or CoA request.
	ErrNoReply = errors.New("radius: no reply from NAS")
	// ErrNoStream means a NAS has no RadSec connection open to us, so a
	// Disconnect or CoA request goes over UDP instead.
	ErrNoStream = errors.New("radius: the NAS has no open RadSec connection")
	// errResumedOther refuses a resumed EAP session whose account was
	// deleted and made again, or moved to another organisation, since it
	// was accepted.
	errResumedOther = errors.New("radius: the resumed session was accepted for another account of that name")
)
