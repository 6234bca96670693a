package eap

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Config configures a Server. Zero fields take the stated defaults.
type Config struct {
	// Certificate is the server's certificate and key (required).
	Certificate tls.Certificate
	// TicketKeys encrypt TLS session tickets; the first encrypts, all
	// decrypt. Every node of a cluster must share them for resumption to
	// work across nodes. Default: one random key, this process only.
	TicketKeys [][32]byte
	// MinTLS and MaxTLS bound the TLS version. Default 1.2 and 1.3.
	MinTLS, MaxTLS uint16
	// MaxConversations caps conversations that have not started TLS
	// (after EAP-Response/Identity); MaxTunnels caps those in TLS, each
	// of which holds a goroutine and TLS state. When full, the least
	// recently active is dropped. Defaults 100,000 and 4,096
	// (about 44 MiB and 250 MiB when full: TestFloodOfHalfOpenConversations).
	MaxConversations, MaxTunnels int
	// Timeout drops a conversation idle this long. Default 30s.
	Timeout time.Duration
	// FragmentSize is the most TLS bytes in one EAP request. Default 1000
	// (with headers, under a 1,020-byte EAPOL MTU).
	FragmentSize int
	// ResumeFor is how long an authenticated TLS session may be resumed
	// without inner authentication, counted from that authentication
	// however often it is resumed. Default 1h; negative disables it.
	ResumeFor time.Duration
	// MaxResumable caps the sessions remembered in this node's memory,
	// and those waiting to be written to Resumptions. Default 100,000.
	MaxResumable int
	// Resumptions is the store the nodes of a cluster share, so that a
	// ticket issued by one node resumes on another: accepted sessions are
	// written to it in the background, and it is read when a ticket's tag
	// is not in this node's memory. nil: resumption on this node only.
	Resumptions ResumptionStore
	// Log reports the shared store's failures. Default: discard.
	Log *slog.Logger
	// NTHash returns an account's NT hash for inner MSCHAPv2; nil refuses
	// MSCHAPv2.
	NTHash func(ctx context.Context, user string) ([16]byte, error)
	// ClientCert maps an EAP-TLS client's certificate chain (leaf first,
	// as presented) to the account it authenticates, or refuses it (issued
	// by no organisation's CA, wifihk's or one it imported; revoked;
	// expired). It runs on every handshake, resumed ones too. nil refuses
	// EAP-TLS.
	ClientCert func(chain []*x509.Certificate) (user string, err error)
	Now        func() time.Time
}

// Server runs EAP conversations. It is safe for concurrent use.
type Server struct {
	cfg    Config
	tls    *tls.Config
	convs  *table
	resume *resumptions
	share  *sharer // nil without Config.Resumptions
}

// New checks cfg and returns a Server.
func New(cfg Config) (*Server, error) {
	if len(cfg.Certificate.Certificate) == 0 || cfg.Certificate.PrivateKey == nil {
		return nil, errors.New("eap: Certificate is required")
	}
	if cfg.MinTLS == 0 {
		cfg.MinTLS = tls.VersionTLS12
	}
	if cfg.MaxTLS == 0 {
		cfg.MaxTLS = tls.VersionTLS13
	}
	if cfg.MinTLS < tls.VersionTLS12 || cfg.MaxTLS < cfg.MinTLS {
		return nil, fmt.Errorf("eap: MinTLS/MaxTLS: %#x-%#x is not within TLS 1.2-1.3", cfg.MinTLS, cfg.MaxTLS)
	}
	cfg.MaxConversations = orDefault(cfg.MaxConversations, 100_000)
	cfg.MaxTunnels = orDefault(cfg.MaxTunnels, 4096)
	cfg.MaxResumable = orDefault(cfg.MaxResumable, 100_000)
	cfg.FragmentSize = orDefault(cfg.FragmentSize, 1000)
	if cfg.FragmentSize < 64 || cfg.FragmentSize > 4000 {
		return nil, fmt.Errorf("eap: FragmentSize: %d is not between 64 and 4000", cfg.FragmentSize)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.ResumeFor == 0 {
		cfg.ResumeFor = time.Hour
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	keys := cfg.TicketKeys
	if len(keys) == 0 {
		var k [32]byte
		rand.Read(k[:])
		keys = [][32]byte{k}
	}
	tc := &tls.Config{
		Certificates: []tls.Certificate{cfg.Certificate},
		MinVersion:   cfg.MinTLS, MaxVersion: cfg.MaxTLS,
		SessionTicketsDisabled: cfg.ResumeFor < 0,
	}
	tc.SetSessionTicketKeys(keys)
	s := &Server{cfg: cfg, tls: tc, convs: newTable(cfg.MaxConversations, cfg.MaxTunnels, cfg.Timeout),
		resume: newResumptions(cfg.ResumeFor, cfg.MaxResumable)}
	if cfg.Resumptions != nil && cfg.ResumeFor > 0 {
		s.share = newSharer(cfg.Resumptions, cfg.Log.With("component", "eap"), cfg.MaxResumable)
	}
	return s, nil
}

func orDefault(v, def int) int {
	if v <= 0 {
		return def
	}
	return v
}

// Reply is the Server's answer to one EAP-Message.
type Reply struct {
	// EAP is an EAP-Request to send in an Access-Challenge with State.
	EAP   []byte
	State []byte
	// Done is set instead when the method has ended: the caller decides
	// (accept or reject) and calls Finish.
	Done *Outcome
}

// Outcome is how a method ended.
type Outcome struct {
	Method string // "ttls-pap", "ttls-mschapv2", "peap-mschapv2", "tls", or "ttls-resumed", "peap-resumed", "tls-resumed"
	Outer  string // the outer identity, which may be anonymous
	// User is the inner identity that is to be admitted, and Password the
	// inner PAP password to check, unless Checked.
	User, Password string
	// Checked means the inner credentials were verified in the tunnel
	// (MSCHAPv2), by the client certificate (EAP-TLS) or by resumption
	// (Resumed).
	Checked, Resumed bool
	TLSVersion       uint16
	// MSK is the 64-byte Master Session Key: MS-MPPE-Recv-Key is its
	// first half and MS-MPPE-Send-Key the second.
	MSK []byte
	// Err is why the method failed; the caller rejects.
	Err error
	// Org and AccountCreated are the accepted account's, which the caller
	// sets before Finish; a resumed session carries those it was accepted
	// with, for the caller to refuse it when the account of that name is
	// another one now.
	Org            string
	AccountCreated time.Time

	id       byte     // the identifier for Success or Failure
	method   Type     // the conversation's
	resumeAs [][]byte // ticket tags to remember on success
}

// Stats counts the conversations held, and the resumable sessions shared.
type Stats struct {
	Conversations, Tunnels int
	Shared                 ShareStats
}

// Stats returns the current counts.
func (s *Server) Stats() Stats {
	c, t := s.convs.counts()
	st := Stats{Conversations: c, Tunnels: t}
	if s.share != nil {
		st.Shared = s.share.counts()
	}
	return st
}

// Flush waits until the accepted sessions queued for Config.Resumptions
// are written (or failed): at shutdown, before the store closes.
func (s *Server) Flush() {
	if s.share != nil {
		s.share.flush()
	}
}

// Handle answers the EAP packet msg (joined by FromAttributes) of an
// Access-Request that carried State state (nil when none). An error means
// the request is refused: ErrBusy is a retransmission to drop, the others
// call for an Access-Reject with Failure().
func (s *Server) Handle(ctx context.Context, msg, state []byte) (Reply, error) {
	if len(msg) == 0 { // EAP-Start (RFC 3579 §2.1)
		return Reply{EAP: Packet{Code: CodeRequest, Identifier: 0, Type: TypeIdentity}.Marshal()}, nil
	}
	p, err := Parse(msg)
	if err != nil {
		return Reply{}, err
	}
	if p.Code != CodeResponse {
		return Reply{}, fmt.Errorf("%w: a NAS sent EAP code %d, not a response", ErrMalformed, p.Code)
	}
	if len(state) == 0 {
		if p.Type != TypeIdentity {
			return Reply{}, fmt.Errorf("%w: first response is type %d, not Identity", ErrMalformed, p.Type)
		}
		return s.begin(p), nil
	}
	c := s.convs.get(state, s.cfg.Now())
	if c == nil {
		return Reply{}, ErrUnknownState
	}
	if !c.mu.TryLock() {
		return Reply{}, ErrBusy
	}
	defer c.mu.Unlock()
	if p.Identifier != c.id {
		return Reply{}, fmt.Errorf("%w: identifier %d, expected %d", ErrOutOfOrder, p.Identifier, c.id)
	}
	r, err := s.next(ctx, c, p)
	if err != nil || r.Done != nil {
		s.convs.remove(c)
		if r.Done != nil {
			r.Done.id = c.id
		}
	}
	return r, err
}

// Finish ends a conversation that returned Done: it returns the
// EAP-Success (accepted) or EAP-Failure packet to send, and on success
// remembers the TLS session for resumption.
func (s *Server) Finish(o *Outcome, accepted bool) []byte {
	if !accepted {
		return Failure(o.id)
	}
	s.remember(o)
	return Packet{Code: CodeSuccess, Identifier: o.id}.Marshal()
}

// Failure is an EAP-Failure with identifier id, for a request refused
// before or without a conversation.
func Failure(id byte) []byte {
	return Packet{Code: CodeFailure, Identifier: id}.Marshal()
}

// begin answers an EAP-Response/Identity: a new conversation and the
// EAP-TTLS start.
func (s *Server) begin(p Packet) Reply {
	ident := p.Data
	if len(ident) > 253 {
		ident = ident[:253]
	}
	c := newConv(string(ident), p.Identifier+1)
	s.convs.add(c, s.cfg.Now())
	req := Packet{Code: CodeRequest, Identifier: c.id, Type: TypeTTLS, Data: []byte{flagStart}}
	return Reply{EAP: req.Marshal(), State: c.key[:]}
}
