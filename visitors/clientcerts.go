package visitors

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"sync"
	"time"

	"github.com/wifihk/wifihk/internal/store"
)

// EAP-TLS client certificates. Each organisation has its own CA (ECDSA
// P-256, made on the first issue, its key sealed like other secrets) and
// every certificate it issues names one of its accounts. The client_certs
// bucket holds "ca/<org>" and "cert/<org>/<serial>" records (and the
// imported CAs of orgca.go).

// Errors of client certificates.
var (
	// ErrCertRevoked means the certificate was revoked.
	ErrCertRevoked = errors.New("visitors: client certificate revoked")
	// ErrCertUnknown means no organisation's CA issued the certificate,
	// or it has no record here.
	ErrCertUnknown = errors.New("visitors: client certificate not issued here")
)

// ClientCert is the record of an issued certificate.
type ClientCert struct {
	Org      string    `json:"org"`
	Serial   string    `json:"serial"` // hex
	Username string    `json:"username"`
	NotAfter time.Time `json:"not_after"`
	Created  time.Time `json:"created"`
	Revoked  time.Time `json:"revoked,omitempty"` // zero = valid
}

// IssuedCert is a new certificate with its private key and the CA, PEM
// encoded: what a device needs. The key is not kept.
type IssuedCert struct {
	ClientCert
	CertPEM, KeyPEM, CAPEM []byte
}

type orgCA struct {
	Org       string    `json:"org"`
	CertPEM   string    `json:"cert_pem"`
	KeySealed string    `json:"key_sealed"` // PKCS#8 PEM, sealed
	Created   time.Time `json:"created"`
}

// caCache holds parsed CAs, by organisation (wifihk's, which never
// change once made) and by id (imported ones, orgca.go), and the
// serials of imported CAs' CRLs by the CRL's SHA-256.
type caCache struct {
	mu       sync.Mutex
	m        map[string]*x509.Certificate
	imported map[string]*x509.Certificate
	crls     map[string]map[string]struct{}
}

func validOrgCode(org string) error {
	if org == "" || len(org) > 64 || strings.ContainsAny(org, "/ \t\r\n") {
		return fmt.Errorf("visitors: org: %q is not an organisation code", org)
	}
	return nil
}

// IssueClientCert issues a certificate valid for valid to username, an
// account of org, making org's CA first if it has none.
func (s *Store) IssueClientCert(org, username string, valid time.Duration) (IssuedCert, error) {
	if err := validOrgCode(org); err != nil {
		return IssuedCert{}, err
	}
	if valid <= 0 || valid > 10*365*24*time.Hour {
		return IssuedCert{}, fmt.Errorf("visitors: validity: %v is not between 0 and 10 years", valid)
	}
	c, err := s.Get(username)
	if err != nil {
		return IssuedCert{}, err
	}
	if c.Kind != KindAccount || c.Org != org {
		return IssuedCert{}, fmt.Errorf("%w: %q is not an account of %s", ErrNotMember, username, org)
	}
	ca, caKey, err := s.caFor(org)
	if err != nil {
		return IssuedCert{}, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return IssuedCert{}, err
	}
	now := s.now().UTC()
	serial := randomSerial()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: username, Organization: []string{org}},
		NotBefore:    now.Add(-time.Hour), NotAfter: now.Add(valid),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return IssuedCert{}, fmt.Errorf("visitors: issue certificate: %w", err)
	}
	rec := ClientCert{Org: org, Serial: hex.EncodeToString(serial.Bytes()), Username: username, NotAfter: tmpl.NotAfter, Created: now}
	if err := s.db.Update(func(tx *store.Tx) error { return tx.Insert(store.ClientCerts, certKey(org, rec.Serial), rec) }); err != nil {
		return IssuedCert{}, fmt.Errorf("visitors: %w", err)
	}
	pk, _ := x509.MarshalPKCS8PrivateKey(key)
	return IssuedCert{ClientCert: rec,
		CertPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		KeyPEM:  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pk}),
		CAPEM:   pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Raw})}, nil
}

func certKey(org, serial string) string { return "cert/" + org + "/" + serial }

// randomSerial is a positive 128-bit serial number.
func randomSerial() *big.Int {
	b := make([]byte, 16)
	rand.Read(b)
	b[0] = b[0]&0x7f | 0x40 // positive, and always 16 bytes long
	return new(big.Int).SetBytes(b)
}

// RevokeClientCert revokes org's certificate with that serial (hex); the
// next handshake with it fails.
func (s *Store) RevokeClientCert(org, serial string) error {
	serial = strings.ToLower(serial)
	return s.db.Update(func(tx *store.Tx) error {
		var c ClientCert
		err := tx.Get(store.ClientCerts, certKey(org, serial), &c)
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("%w: %s %s", ErrCertUnknown, org, serial)
		}
		if err != nil || !c.Revoked.IsZero() {
			return err
		}
		c.Revoked = s.now().UTC()
		return tx.Put(store.ClientCerts, certKey(org, serial), c)
	})
}

// ClientCerts lists org's certificates by serial.
func (s *Store) ClientCerts(org string) ([]ClientCert, error) {
	var out []ClientCert
	err := s.db.View(func(tx *store.Tx) error {
		var err error
		out, err = store.List(tx, store.ClientCerts, store.Query[ClientCert]{Prefix: "cert/" + org + "/"})
		return err
	})
	return out, err
}

// ClientCA returns org's CA certificate (PEM), for a device profile, or
// ErrCertUnknown when org has issued none.
func (s *Store) ClientCA(org string) ([]byte, error) {
	ca, err := s.loadCA(org)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Raw}), nil
}

// VerifyClientCert maps an EAP-TLS client's chain (leaf first) to the
// account it authenticates. A certificate wifihk issued must chain to
// the CA of the organisation it names, be valid for client
// authentication now, and have an unrevoked record here; any other is
// checked against the CAs organisations imported (orgca.go).
func (s *Store) VerifyClientCert(chain []*x509.Certificate) (string, error) {
	user, err := s.verifyIssued(chain)
	if !errors.Is(err, errNotOurs) {
		return user, err
	}
	user, err2 := s.verifyImported(chain)
	if errors.Is(err2, ErrCertUnknown) && !errors.Is(err, ErrCertUnknown) {
		return "", err // a forged wifihk certificate says more than "unknown"
	}
	return user, err2
}

// errNotOurs wraps why a certificate is not one wifihk issued.
var errNotOurs = errors.New("not issued by wifihk")

// verifyIssued is VerifyClientCert for the certificates wifihk issued;
// an error wrapping errNotOurs means the certificate is not one of them.
func (s *Store) verifyIssued(chain []*x509.Certificate) (string, error) {
	leaf := chain[0]
	if len(leaf.Issuer.Organization) != 1 {
		return "", fmt.Errorf("%w: %w", ErrCertUnknown, errNotOurs)
	}
	org := leaf.Issuer.Organization[0]
	ca, err := s.loadCA(org)
	if errors.Is(err, ErrCertUnknown) {
		return "", fmt.Errorf("%w: %w", err, errNotOurs)
	}
	if err != nil {
		return "", err
	}
	inter := x509.NewCertPool()
	for _, c := range chain[1:] {
		inter.AddCert(c)
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	opts := x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: s.now(), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	if _, err := leaf.Verify(opts); err != nil {
		return "", fmt.Errorf("visitors: client certificate: %w (%w)", err, errNotOurs)
	}
	var c ClientCert
	err = s.db.View(func(tx *store.Tx) error {
		return tx.Get(store.ClientCerts, certKey(org, hex.EncodeToString(leaf.SerialNumber.Bytes())), &c)
	})
	switch {
	case errors.Is(err, store.ErrNotFound):
		return "", ErrCertUnknown
	case err != nil:
		return "", fmt.Errorf("visitors: %w", err)
	case !c.Revoked.IsZero():
		return "", fmt.Errorf("%w: serial %s of %s", ErrCertRevoked, c.Serial, org)
	}
	return c.Username, nil
}

// loadCA returns org's CA certificate, or ErrCertUnknown.
func (s *Store) loadCA(org string) (*x509.Certificate, error) {
	s.cas.mu.Lock()
	ca := s.cas.m[org]
	s.cas.mu.Unlock()
	if ca != nil {
		return ca, nil
	}
	var rec orgCA
	err := s.db.View(func(tx *store.Tx) error { return tx.Get(store.ClientCerts, "ca/"+org, &rec) })
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrCertUnknown
	}
	if err != nil {
		return nil, fmt.Errorf("visitors: %w", err)
	}
	return s.cacheCA(rec)
}

func (s *Store) cacheCA(rec orgCA) (*x509.Certificate, error) {
	b, _ := pem.Decode([]byte(rec.CertPEM))
	if b == nil {
		return nil, fmt.Errorf("visitors: CA of %s: no PEM certificate", rec.Org)
	}
	ca, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		return nil, fmt.Errorf("visitors: CA of %s: %w", rec.Org, err)
	}
	s.cas.mu.Lock()
	defer s.cas.mu.Unlock()
	if s.cas.m == nil {
		s.cas.m = map[string]*x509.Certificate{}
	}
	s.cas.m[rec.Org] = ca
	return ca, nil
}

// caFor returns org's CA and its key, making them on first use.
func (s *Store) caFor(org string) (*x509.Certificate, *ecdsa.PrivateKey, error) {
	var rec orgCA
	err := s.db.Update(func(tx *store.Tx) error {
		err := tx.Get(store.ClientCerts, "ca/"+org, &rec)
		if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if rec, err = s.newCA(org); err != nil {
			return err
		}
		return tx.Put(store.ClientCerts, "ca/"+org, rec)
	})
	if err != nil {
		return nil, nil, fmt.Errorf("visitors: CA of %s: %w", org, err)
	}
	ca, err := s.cacheCA(rec)
	if err != nil {
		return nil, nil, err
	}
	keyPEM, err := s.sealer.Open(rec.KeySealed)
	if err != nil {
		return nil, nil, fmt.Errorf("visitors: CA key of %s: %w", org, err)
	}
	b, _ := pem.Decode([]byte(keyPEM))
	if b == nil {
		return nil, nil, fmt.Errorf("visitors: CA key of %s: no PEM key", org)
	}
	k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
	key, ok := k.(*ecdsa.PrivateKey)
	if err != nil || !ok {
		return nil, nil, fmt.Errorf("visitors: CA key of %s: not an ECDSA key (%v)", org, err)
	}
	return ca, key, nil
}

// newCA makes org's CA: ECDSA P-256, valid 20 years.
func (s *Store) newCA(org string) (orgCA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return orgCA{}, err
	}
	now := s.now().UTC()
	tmpl := &x509.Certificate{
		SerialNumber: randomSerial(),
		Subject:      pkix.Name{CommonName: "WiFi@HK device CA of " + org, Organization: []string{org}},
		NotBefore:    now.Add(-time.Hour), NotAfter: now.AddDate(20, 0, 0),
		IsCA: true, BasicConstraintsValid: true, MaxPathLenZero: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return orgCA{}, err
	}
	pk, _ := x509.MarshalPKCS8PrivateKey(key)
	return orgCA{Org: org, Created: now,
		CertPEM:   string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		KeySealed: s.sealer.Seal(string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pk})))}, nil
}
