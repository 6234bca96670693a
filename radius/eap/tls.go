package eap

import (
	"crypto/tls"
	"errors"
	"fmt"
)

// EAP-TLS (RFC 5216; RFC 9190 for TLS 1.3): the handshake with a client
// certificate is the whole method, and the certificate names the account.

// eapTLS ends an EAP-TLS conversation after its handshake. Over TLS 1.3
// the server sends one byte of application data, 0x00, to say that it
// will send no more handshake messages (RFC 9190 §2.5).
func (s *Server) eapTLS(tc *tls.Conn, cs tls.ConnectionState, c *conv, o *Outcome) {
	o.Method, o.User, o.Checked = "tls", c.certUser, true
	if cs.DidResume && c.resumed != nil {
		o.Method, o.Resumed = "tls-resumed", true
	}
	if cs.Version >= tls.VersionTLS13 {
		if _, err := tc.Write([]byte{0}); err != nil {
			o.Err = fmt.Errorf("eap: EAP-TLS commitment message: %w", err)
		}
	}
}

// verifyClient maps the client's certificate to an account; it runs in
// full and resumed handshakes alike, so a revocation takes effect at once.
func (s *Server) verifyClient(c *conv, cs tls.ConnectionState) error {
	if len(cs.PeerCertificates) == 0 {
		return errors.New("eap: EAP-TLS: no client certificate")
	}
	user, err := s.cfg.ClientCert(cs.PeerCertificates)
	if err != nil {
		return fmt.Errorf("eap: EAP-TLS client certificate: %w", err)
	}
	c.certUser = user
	return nil
}
