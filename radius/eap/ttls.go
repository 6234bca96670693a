package eap

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"crypto/tls"
	"errors"
	"fmt"
	"time"
)

// runMethod is a conversation's method goroutine: the TLS handshake over
// the pipe, then the inner authentication, then the outcome.
func (s *Server) runMethod(c *conv, p *pipe) {
	tc := tls.Server(p, s.tlsFor(c))
	o := &Outcome{Outer: c.outer}
	if err := tc.Handshake(); err != nil {
		o.Err = fmt.Errorf("eap: TLS handshake: %w", err)
		p.finish(o)
		return
	}
	cs := tc.ConnectionState()
	o.TLSVersion = cs.Version
	if o.MSK, o.Err = tunnelKeys(cs, c.method); o.Err == nil {
		if r := c.resumed; cs.DidResume && r != nil {
			o.User, o.Org, o.AccountCreated = r.User, r.Org, r.AccountCreated
			o.Resumed, o.Checked = true, true
		}
		switch c.method {
		case TypePEAP:
			s.peap(tc, p, o)
		case TypeTLS:
			s.eapTLS(tc, cs, c, o)
		default:
			s.ttls(tc, cs, o)
		}
	}
	p.finish(o)
}

// ttls runs EAP-TTLS's inner method, unless the session was resumed.
func (s *Server) ttls(tc *tls.Conn, cs tls.ConnectionState, o *Outcome) {
	if o.Resumed {
		o.Method = "ttls-resumed"
		return
	}
	buf := make([]byte, 16<<10) // one TLS record's worth
	n, err := tc.Read(buf)
	if err != nil {
		o.Err = fmt.Errorf("eap: reading inner AVPs: %w", err)
		return
	}
	in, err := readInner(buf[:n])
	switch {
	case err != nil:
		o.Err = err
	case in.chapResponse != nil:
		o.Method, o.User = "ttls-mschapv2", in.user
		o.Checked, o.Err = s.innerMSCHAPv2(tc, cs, in)
	default:
		o.Method, o.User, o.Password = "ttls-pap", in.user, in.password
	}
}

// tunnelKeys derives the 64-byte MSK of EAP-TTLS, PEAP or EAP-TLS: for
// TLS 1.2 the PRF with the method's label (RFC 5281 §8; "client EAP
// encryption" for EAP-TLS, RFC 5216 §2.3, and PEAPv0), for TLS 1.3 the
// exporter of RFC 9190 §2.3 and RFC 9427 §2.1 with the method's type as
// context.
func tunnelKeys(cs tls.ConnectionState, method Type) ([]byte, error) {
	var km []byte
	var err error
	switch {
	case cs.Version >= tls.VersionTLS13:
		km, err = cs.ExportKeyingMaterial("EXPORTER_EAP_TLS_Key_Material", []byte{byte(method)}, 128)
	case method == TypePEAP || method == TypeTLS:
		km, err = cs.ExportKeyingMaterial("client EAP encryption", nil, 128)
	default:
		km, err = cs.ExportKeyingMaterial("ttls keying material", nil, 128)
	}
	if err != nil {
		return nil, fmt.Errorf("eap: keying material: %w", err)
	}
	return km[:64], nil
}

// inner is what the peer sent in the tunnel: PAP (RFC 5281 §11.2.5) or
// MSCHAPv2 (§11.2.4).
type inner struct {
	user, password string
	chapChallenge  []byte // MS-CHAP-Challenge
	chapResponse   []byte // MS-CHAP2-Response
}

// Microsoft (311) AVPs of MSCHAPv2 (RFC 2548).
const (
	vendorMicrosoft    = 311
	avpMSCHAPChallenge = 11
	avpMSCHAP2Response = 25
	avpMSCHAP2Success  = 26
)

// readInner reads the inner method's AVPs. An AVP this server does not
// know with the M flag set fails the conversation (§10.1).
func readInner(b []byte) (inner, error) {
	var in inner
	avps, err := parseAVPs(b)
	if err != nil {
		return in, err
	}
	var gotUser, gotPW bool
	for _, a := range avps {
		switch {
		case a.vendor == 0 && a.code == avpUserName:
			in.user, gotUser = string(a.data), true
		case a.vendor == 0 && a.code == avpUserPassword:
			// padded with NULs to a multiple of 16
			in.password, gotPW = string(bytes.TrimRight(a.data, "\x00")), true
		case a.vendor == vendorMicrosoft && a.code == avpMSCHAPChallenge:
			in.chapChallenge = a.data
		case a.vendor == vendorMicrosoft && a.code == avpMSCHAP2Response:
			in.chapResponse = a.data
		case a.mandatory:
			return in, fmt.Errorf("%w: unsupported mandatory AVP %d (vendor %d)", ErrMalformed, a.code, a.vendor)
		}
	}
	switch {
	case !gotUser:
		return in, fmt.Errorf("%w: no inner User-Name", ErrMalformed)
	case in.chapResponse != nil && (len(in.chapResponse) != 50 || len(in.chapChallenge) != 16):
		return in, fmt.Errorf("%w: MS-CHAP2-Response of %d bytes or MS-CHAP-Challenge of %d", ErrMalformed, len(in.chapResponse), len(in.chapChallenge))
	case in.chapResponse == nil && !gotPW:
		return in, errors.New("eap: inner method is neither PAP nor MSCHAPv2")
	}
	return in, nil
}

// innerMSCHAPv2 checks an MSCHAPv2 response against the challenge both
// sides derive from the tunnel and the account's NT hash, and on success
// writes MS-CHAP2-Success, which the peer acknowledges before EAP-Success.
func (s *Server) innerMSCHAPv2(tc *tls.Conn, cs tls.ConnectionState, in inner) (bool, error) {
	if s.cfg.NTHash == nil {
		return false, errors.New("eap: MSCHAPv2 is not enabled")
	}
	ch, err := cs.ExportKeyingMaterial("ttls challenge", nil, 17)
	if err != nil {
		return false, fmt.Errorf("eap: MSCHAPv2 challenge: %w", err)
	}
	ident := in.chapResponse[0]
	if subtle.ConstantTimeCompare(ch[:16], in.chapChallenge) != 1 || ident != ch[16] {
		return false, errors.New("eap: MSCHAPv2 challenge is not the tunnel's")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	nt, err := s.cfg.NTHash(ctx, in.user)
	if err != nil {
		return false, err
	}
	peer, resp := in.chapResponse[2:18], in.chapResponse[26:50]
	if !checkNTResponse(ch[:16], peer, in.user, nt, resp) {
		return false, ErrBadPassword
	}
	ok := append([]byte{ident}, authenticatorResponse(nt, resp, peer, ch[:16], in.user)...)
	_, err = tc.Write(appendAVP(nil, avp{code: avpMSCHAP2Success, vendor: vendorMicrosoft, mandatory: true, data: ok}))
	return err == nil, err
}

// tlsFor is the TLS configuration for one conversation: the server's,
// with tickets that carry a random tag, so that once the inner identity is
// accepted a resumed session can be tied back to it. A resumed session's
// new tickets carry the tag it resumed: they resume the same accepted
// session, which ends ResumeFor after its inner authentication, and
// nothing new is written to the store.
func (s *Server) tlsFor(c *conv) *tls.Config {
	tc := s.tls.Clone()
	tc.WrapSession = func(cs tls.ConnectionState, ss *tls.SessionState) ([]byte, error) {
		if c.resumedTag != nil {
			ss.Extra = append(ss.Extra, c.resumedTag)
			return s.tls.EncryptTicket(cs, ss)
		}
		tag := make([]byte, len(ticketTag)+16)
		copy(tag, ticketTag)
		rand.Read(tag[len(ticketTag):])
		ss.Extra = append(ss.Extra, tag)
		c.resumeAs = append(c.resumeAs, tag)
		return s.tls.EncryptTicket(cs, ss)
	}
	if c.method == TypeTLS {
		tc.ClientAuth = tls.RequireAnyClientCert
		tc.VerifyConnection = func(cs tls.ConnectionState) error { return s.verifyClient(c, cs) }
	}
	tc.UnwrapSession = func(identity []byte, cs tls.ConnectionState) (*tls.SessionState, error) {
		ss, err := s.tls.DecryptTicket(identity, cs)
		if err != nil || ss == nil {
			return nil, err
		}
		for _, e := range ss.Extra {
			if rec, ok := s.resumable(e, c.method); ok {
				c.resumed, c.resumedTag = &rec, bytes.Clone(e)
				return ss, nil
			}
		}
		return nil, nil // not known to have authenticated: a full handshake
	}
	return tc
}
