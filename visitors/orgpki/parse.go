package orgpki

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Upload limits: a CA certificate is a few KiB; a large school's CRL may
// hold tens of thousands of serials.
const (
	MaxCASize  = 64 << 10
	MaxCRLSize = 8 << 20
)

// ParseCA reads one CA certificate, PEM or DER. A file that holds a
// private key is refused: wifihk must not hold the organisation's key.
func ParseCA(data []byte) (*x509.Certificate, error) {
	der, err := oneBlock(data, MaxCASize, "certificate", "CERTIFICATE")
	if err != nil {
		return nil, err
	}
	ca, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("orgpki: certificate: %w", err)
	}
	switch {
	case !ca.BasicConstraintsValid || !ca.IsCA:
		return nil, fmt.Errorf("orgpki: certificate %q is not a CA certificate (no basic constraints CA:TRUE)", ca.Subject.String())
	case ca.KeyUsage != 0 && ca.KeyUsage&x509.KeyUsageCertSign == 0:
		return nil, fmt.Errorf("orgpki: certificate %q: its key usage does not allow signing certificates", ca.Subject.String())
	}
	return ca, nil
}

// ParseCRL reads a certificate revocation list, PEM or DER, and checks it
// at now: signed by ca, already issued, and not past its next update.
func ParseCRL(data []byte, ca *x509.Certificate, now time.Time) (*x509.RevocationList, error) {
	der, err := oneBlock(data, MaxCRLSize, "CRL", "X509 CRL")
	if err != nil {
		return nil, err
	}
	crl, err := x509.ParseRevocationList(der)
	if err != nil {
		return nil, fmt.Errorf("orgpki: CRL: %w", err)
	}
	if err := crl.CheckSignatureFrom(ca); err != nil {
		return nil, fmt.Errorf("orgpki: CRL: not signed by the CA %q: %w", ca.Subject.String(), err)
	}
	switch {
	case crl.NextUpdate.IsZero():
		return nil, errors.New("orgpki: CRL: it has no next update, so nobody can tell when it is stale")
	case !now.Before(crl.NextUpdate):
		return nil, fmt.Errorf("orgpki: CRL: expired at %s (its next update); upload the current one", crl.NextUpdate.UTC().Format(time.RFC3339))
	case crl.ThisUpdate.After(now.Add(5 * time.Minute)):
		return nil, fmt.Errorf("orgpki: CRL: issued in the future (%s); check the clocks", crl.ThisUpdate.UTC().Format(time.RFC3339))
	}
	return crl, nil
}

// oneBlock returns the DER of data: data itself, or the one PEM block of
// type want that it holds.
func oneBlock(data []byte, max int, what, want string) ([]byte, error) {
	switch {
	case len(bytes.TrimSpace(data)) == 0:
		return nil, fmt.Errorf("orgpki: %s: the file is empty", what)
	case len(data) > max:
		return nil, fmt.Errorf("orgpki: %s: %d bytes is more than the %d allowed", what, len(data), max)
	}
	if !bytes.Contains(data, []byte("-----BEGIN")) {
		return data, nil // DER
	}
	var der []byte
	n := 0
	for rest := data; ; {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			break
		}
		if strings.Contains(b.Type, "PRIVATE KEY") {
			return nil, fmt.Errorf("orgpki: %s: the file holds a private key; upload the certificate alone, and treat that key as exposed", what)
		}
		if b.Type == want {
			der, n = b.Bytes, n+1
		}
	}
	switch {
	case n == 0:
		return nil, fmt.Errorf("orgpki: %s: no PEM block %q in the file", what, want)
	case n > 1:
		return nil, fmt.Errorf("orgpki: %s: %d PEM blocks %q in the file; upload one at a time", what, n, want)
	}
	return der, nil
}
