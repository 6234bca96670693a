package eap

import (
	"bytes"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
)

// runTTLS is a conversation's method goroutine: the TLS handshake over the
// pipe, then the inner authentication, then the outcome.
func (s *Server) runTTLS(c *conv, p *pipe) {
	tc := tls.Server(p, s.tlsFor(c))
	p.finish(s.ttls(tc, c))
}

func (s *Server) ttls(tc *tls.Conn, c *conv) *Outcome {
	o := &Outcome{Outer: c.outer}
	if err := tc.Handshake(); err != nil {
		o.Err = fmt.Errorf("eap: TLS handshake: %w", err)
		return o
	}
	cs := tc.ConnectionState()
	o.TLSVersion = cs.Version
	msk, err := ttlsKeys(cs)
	if err != nil {
		o.Err = err
		return o
	}
	o.MSK = msk
	if cs.DidResume && c.resumedUser != "" {
		o.Method, o.User, o.Resumed = "ttls-resumed", c.resumedUser, true
		return o
	}
	buf := make([]byte, 16<<10) // one TLS record's worth
	n, err := tc.Read(buf)
	if err != nil {
		o.Err = fmt.Errorf("eap: reading inner AVPs: %w", err)
		return o
	}
	o.Method = "ttls-pap"
	o.User, o.Password, o.Err = innerPAP(buf[:n])
	return o
}

// ttlsKeys derives the 64-byte MSK: RFC 5281 §8 for TLS 1.2, RFC 9427
// §2.1 for TLS 1.3.
func ttlsKeys(cs tls.ConnectionState) ([]byte, error) {
	var km []byte
	var err error
	if cs.Version >= tls.VersionTLS13 {
		km, err = cs.ExportKeyingMaterial("EXPORTER_EAP_TLS_Key_Material", []byte{byte(TypeTTLS)}, 128)
	} else {
		km, err = cs.ExportKeyingMaterial("ttls keying material", nil, 128)
	}
	if err != nil {
		return nil, fmt.Errorf("eap: keying material: %w", err)
	}
	return km[:64], nil
}

// innerPAP reads User-Name and User-Password from the tunnel's AVPs
// (RFC 5281 §11.2.5). An AVP this server does not know with the M flag
// set fails the conversation (§10.1).
func innerPAP(b []byte) (user, password string, err error) {
	avps, err := parseAVPs(b)
	if err != nil {
		return "", "", err
	}
	var gotUser, gotPW bool
	for _, a := range avps {
		switch {
		case a.vendor == 0 && a.code == avpUserName:
			user, gotUser = string(a.data), true
		case a.vendor == 0 && a.code == avpUserPassword:
			// padded with NULs to a multiple of 16
			password, gotPW = string(bytes.TrimRight(a.data, "\x00")), true
		case a.mandatory:
			return "", "", fmt.Errorf("%w: unsupported mandatory AVP %d (vendor %d)", ErrMalformed, a.code, a.vendor)
		}
	}
	if !gotUser || !gotPW {
		return "", "", errors.New("eap: inner method is not PAP (no User-Name and User-Password AVPs)")
	}
	return user, password, nil
}

// tlsFor is the TLS configuration for one conversation: the server's,
// with tickets that carry a random tag, so that once the inner identity is
// accepted a resumed session can be tied back to it.
func (s *Server) tlsFor(c *conv) *tls.Config {
	tc := s.tls.Clone()
	tc.WrapSession = func(cs tls.ConnectionState, ss *tls.SessionState) ([]byte, error) {
		tag := make([]byte, len(ticketTag)+16)
		copy(tag, ticketTag)
		rand.Read(tag[len(ticketTag):])
		ss.Extra = append(ss.Extra, tag)
		c.resumeAs = append(c.resumeAs, tag)
		return s.tls.EncryptTicket(cs, ss)
	}
	tc.UnwrapSession = func(identity []byte, cs tls.ConnectionState) (*tls.SessionState, error) {
		ss, err := s.tls.DecryptTicket(identity, cs)
		if err != nil || ss == nil {
			return nil, err
		}
		for _, e := range ss.Extra {
			if user, ok := s.resume.lookup(e, s.cfg.Now()); ok {
				c.resumedUser = user
				return ss, nil
			}
		}
		return nil, nil // not known to have authenticated: a full handshake
	}
	return tc
}

// ticketTag prefixes this server's entry in a ticket's Extra.
const ticketTag = "wifihk-eap1:"
