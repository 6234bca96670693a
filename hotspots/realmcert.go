package hotspots

import (
	"cmp"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// CertSummary is what is shown of a realm's client certificate: never
// its key.
type CertSummary struct {
	Subject  string    `json:"subject"`
	Issuer   string    `json:"issuer"`
	NotAfter time.Time `json:"not_after"`
}

// ClientCertSummary describes the realm's own RadSec client
// certificate; ok is false when it has none (it presents the proxy's).
func (rl Realm) ClientCertSummary() (CertSummary, bool) {
	leaf, err := leafOf(rl.ClientCert)
	if err != nil {
		return CertSummary{}, false
	}
	return CertSummary{Subject: leaf.Subject.String(), Issuer: leaf.Issuer.String(), NotAfter: leaf.NotAfter.UTC()}, true
}

// usesRadSec reports whether the realm has RadSec home servers, listed
// or found in the DNS: what a client certificate is for.
func (rl Realm) usesRadSec() bool {
	return rl.Discovery != nil || slices.ContainsFunc(rl.Servers, func(s HomeServer) bool { return s.Transport == TransportRadSec })
}

// leafOf parses the first certificate of a PEM chain.
func leafOf(certPEM string) (*x509.Certificate, error) {
	b, _ := pem.Decode([]byte(certPEM))
	if b == nil || b.Type != "CERTIFICATE" {
		return nil, errors.New("is not a PEM certificate")
	}
	return x509.ParseCertificate(b.Bytes)
}

// checkClientCert checks a client certificate chain and its key as
// given (PEM): they belong together, the certificate may be used for
// TLS client authentication and is valid at now. It returns the chain
// as PEM CERTIFICATE blocks only.
func checkClientCert(certPEM, keyPEM string, now time.Time) (string, *serverErr) {
	switch {
	case len(certPEM) > maxCAPEM:
		return "", &serverErr{"client_cert", fmt.Sprintf("over %d bytes", maxCAPEM)}
	case len(keyPEM) > maxCAPEM:
		return "", &serverErr{"client_key", fmt.Sprintf("over %d bytes", maxCAPEM)}
	}
	leaf, err := leafOf(certPEM)
	if err != nil {
		return "", &serverErr{"client_cert", "the certificate " + strings.TrimPrefix(err.Error(), "x509: ")}
	}
	if b, _ := pem.Decode([]byte(keyPEM)); b == nil || !strings.HasSuffix(b.Type, "PRIVATE KEY") {
		return "", &serverErr{"client_key", "the key is not a PEM private key"}
	}
	pair, err := tls.X509KeyPair([]byte(certPEM), []byte(keyPEM))
	if err != nil {
		return "", &serverErr{"client_key", "the key does not go with the certificate: " + strings.TrimPrefix(err.Error(), "tls: ")}
	}
	eku := leaf.ExtKeyUsage
	switch {
	case len(eku) > 0 && !slices.Contains(eku, x509.ExtKeyUsageClientAuth) && !slices.Contains(eku, x509.ExtKeyUsageAny):
		return "", &serverErr{"client_cert", fmt.Sprintf("the certificate of %s is not for TLS clients: its extended key usage lacks clientAuth", leafName(leaf))}
	case now.After(leaf.NotAfter):
		return "", &serverErr{"client_cert", fmt.Sprintf("the certificate of %s expired on %s", leafName(leaf), leaf.NotAfter.UTC().Format(time.DateOnly))}
	case now.Before(leaf.NotBefore):
		return "", &serverErr{"client_cert", fmt.Sprintf("the certificate of %s is not valid before %s", leafName(leaf), leaf.NotBefore.UTC().Format(time.DateTime))}
	}
	var out []byte
	for _, der := range pair.Certificate {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})...)
	}
	return string(out), nil
}

func leafName(c *x509.Certificate) string { return cmp.Or(c.Subject.CommonName, c.Subject.String()) }

// setClientCert puts in's client certificate into rl, its key sealed.
// An edit (old set) that gives neither keeps old's; one that gives the
// certificate alone keeps old's key for it (a renewal of the same key).
func (r *Registry) setClientCert(rl *Realm, in RealmInput, old *Realm) error {
	certPEM, keyPEM := in.ClientCert, in.ClientKey
	switch {
	case in.DropClientCert && certPEM+keyPEM != "":
		return fieldErr("client_cert", "give a new certificate or remove it, not both")
	case in.DropClientCert:
		return nil
	case certPEM == "" && keyPEM != "":
		return fieldErr("client_cert", "a key was given without its certificate")
	case certPEM == "" && old != nil:
		rl.ClientCert, rl.ClientKeySealed = old.ClientCert, old.ClientKeySealed
		return r.checkCertUse(rl)
	case certPEM == "":
		return nil
	case keyPEM == "" && (old == nil || old.ClientKeySealed == ""):
		return fieldErr("client_key", "the certificate's private key is required")
	case keyPEM == "":
		key, err := r.sealer.Open(old.ClientKeySealed)
		if err != nil {
			return fmt.Errorf("hotspots: realm %s: client key: %w", old.Name, err)
		}
		keyPEM = key
	}
	chain, e := checkClientCert(certPEM, keyPEM, r.now())
	if e != nil {
		return fieldErr(e.field, "%s", e.msg)
	}
	rl.ClientCert, rl.ClientKeySealed = chain, r.sealer.Seal(keyPEM)
	return r.checkCertUse(rl)
}

// checkCertUse refuses a client certificate on a realm without RadSec.
func (r *Registry) checkCertUse(rl *Realm) error {
	if rl.ClientCert != "" && !rl.usesRadSec() {
		return fieldErr("client_cert", "a client certificate is for RadSec home servers, and this realm has none: remove it")
	}
	return nil
}

// certKey identifies a certificate and its opened key, so that a
// reload that does not change them keeps the same *tls.Certificate (and
// the proxy its connections).
type certKey [sha256.Size]byte

// routeCert returns the realm's client certificate with its key
// opened, the one of prev when they are the same; nil when it has
// none. It records it in next.
func (r *Registry) routeCert(rl Realm, prev, next map[certKey]*tls.Certificate) (*tls.Certificate, error) {
	if rl.ClientCert == "" {
		return nil, nil
	}
	key, err := r.sealer.Open(rl.ClientKeySealed)
	if err != nil {
		return nil, fmt.Errorf("hotspots: realm %s: client key: %w", rl.Name, err)
	}
	k := certKey(sha256.Sum256([]byte(rl.ClientCert + "\x00" + key)))
	if c := cmp.Or(next[k], prev[k]); c != nil {
		next[k] = c
		return c, nil
	}
	pair, err := tls.X509KeyPair([]byte(rl.ClientCert), []byte(key))
	if err != nil {
		return nil, fmt.Errorf("hotspots: realm %s: client certificate: %w", rl.Name, err)
	}
	next[k] = &pair
	return &pair, nil
}
