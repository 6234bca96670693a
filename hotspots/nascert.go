package hotspots

import (
	"crypto/x509"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/wifihk/wifihk/internal/store"
)

// CertIdentity names the client certificate a NAS or peer presents over
// RadSec (RFC 6614 §2.4): its issuer, and its subject common name, a
// subject alternative name, or both. The chain itself is verified against
// the configured client CAs before the identity is matched.
type CertIdentity struct {
	// Issuer is the issuer's common name or its full distinguished name
	// as Go prints it ("CN=NAS CA,O=Example").
	Issuer string `json:"issuer,omitempty"`
	// Subject is the subject's common name.
	Subject string `json:"subject,omitempty"`
	// SAN is a DNS name, URI, e-mail address or IP address among the
	// certificate's subject alternative names.
	SAN string `json:"san,omitempty"`
}

// IsZero reports whether no identity is set (a UDP-only NAS).
func (c CertIdentity) IsZero() bool { return c == CertIdentity{} }

func (c CertIdentity) validate() error {
	if c.IsZero() {
		return nil
	}
	for _, f := range []struct{ name, v string }{{"cert-issuer", c.Issuer}, {"cert-subject", c.Subject}, {"cert-san", c.SAN}} {
		if len(f.v) > 256 || strings.IndexFunc(f.v, unicode.IsControl) >= 0 {
			return fmt.Errorf("%s: must be at most 256 printable characters", f.name)
		}
	}
	switch {
	case c.Issuer == "":
		return fmt.Errorf("cert-issuer: required with cert-subject or cert-san (a name alone could come from any trusted CA)")
	case c.Subject == "" && c.SAN == "":
		return fmt.Errorf("cert-subject or cert-san: one is required with cert-issuer")
	}
	return nil
}

// Matches reports whether cert, already verified against a trusted CA,
// has this identity: the issuer, and the subject and SAN that are set.
func (c CertIdentity) Matches(cert *x509.Certificate) bool {
	if c.IsZero() {
		return false
	}
	if c.Issuer != cert.Issuer.CommonName && c.Issuer != cert.Issuer.String() {
		return false
	}
	if c.Subject != "" && c.Subject != cert.Subject.CommonName {
		return false
	}
	return c.SAN == "" || slices.Contains(certSANs(cert), c.SAN)
}

func certSANs(cert *x509.Certificate) []string {
	out := slices.Concat(cert.DNSNames, cert.EmailAddresses)
	for _, u := range cert.URIs {
		out = append(out, u.String())
	}
	for _, ip := range cert.IPAddresses {
		out = append(out, ip.String())
	}
	return out
}

// NASForCert returns the NAS whose certificate identity cert has; the
// first by name when several match. ok is false when none does.
func (r *Registry) NASForCert(cert *x509.Certificate) (n NAS, ok bool) {
	for _, n := range r.nas.Load().byCert {
		if n.Cert.Matches(cert) {
			return n, true
		}
	}
	return NAS{}, false
}

// checkCertTx refuses a certificate identity another NAS already has.
func checkCertTx(tx *store.Tx, c CertIdentity) error {
	if c.IsZero() {
		return nil
	}
	clash, err := store.List(tx, store.NAS, store.Query[NAS]{Limit: 1, Keep: func(o *NAS) bool { return o.Cert == c }})
	if err != nil {
		return err
	}
	if len(clash) > 0 {
		return fmt.Errorf("%w: cert: NAS %q has the same certificate identity", ErrNASExists, clash[0].Name)
	}
	return nil
}
