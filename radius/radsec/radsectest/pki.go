// Package radsectest makes throwaway certificates for RadSec tests: a CA
// and the server and client certificates it signs, in memory and as PEM
// files for outside peers such as radsecproxy.
package radsectest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// CA is a test certificate authority.
type CA struct {
	Name   string
	Cert   *x509.Certificate
	Pool   *x509.CertPool
	key    *ecdsa.PrivateKey
	dir    string
	CAFile string // PEM
	t      testing.TB
}

// Issued is a certificate the CA signed, with its PEM files.
type Issued struct {
	TLS      tls.Certificate
	CertFile string
	KeyFile  string
}

// NewCA makes a CA whose subject common name is name, with its PEM files
// in a test temporary directory.
func NewCA(t testing.TB, name string) *CA {
	t.Helper()
	key := newKey(t)
	tmpl := &x509.Certificate{
		SerialNumber: serial(t), Subject: pkix.Name{CommonName: name, Organization: []string{"wifihk test"}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	ca := &CA{Name: name, Cert: cert, Pool: x509.NewCertPool(), key: key, dir: t.TempDir(), t: t}
	ca.Pool.AddCert(cert)
	ca.CAFile = ca.write("ca.pem", "CERTIFICATE", der)
	return ca
}

// Server issues a server certificate for dns names and IP addresses.
func (ca *CA) Server(cn string, names ...string) Issued {
	return ca.issue(cn, x509.ExtKeyUsageServerAuth, names)
}

// Client issues a client certificate with subject common name cn and
// the given SANs (DNS names or IP addresses).
func (ca *CA) Client(cn string, names ...string) Issued {
	return ca.issue(cn, x509.ExtKeyUsageClientAuth, names)
}

// ServerForRealms issues a server certificate that also names realms
// as SubjectAltName:otherName:NAIRealm (RFC 7585 §2.2), as a RadSec
// server found by dynamic discovery may carry.
func (ca *CA) ServerForRealms(cn string, realms []string, names ...string) Issued {
	return ca.issueWith(cn, x509.ExtKeyUsageServerAuth, names, realms)
}

// ExpiredClient issues a client certificate that expired an hour ago.
func (ca *CA) ExpiredClient(cn string) Issued {
	return ca.issueTuned(cn, x509.ExtKeyUsageClientAuth, nil, nil, func(c *x509.Certificate) {
		c.NotBefore, c.NotAfter = time.Now().Add(-48*time.Hour), time.Now().Add(-time.Hour)
	})
}

func (ca *CA) issue(cn string, use x509.ExtKeyUsage, names []string) Issued {
	return ca.issueWith(cn, use, names, nil)
}

func (ca *CA) issueWith(cn string, use x509.ExtKeyUsage, names, realms []string) Issued {
	return ca.issueTuned(cn, use, names, realms, nil)
}

func (ca *CA) issueTuned(cn string, use x509.ExtKeyUsage, names, realms []string, tune func(*x509.Certificate)) Issued {
	t := ca.t
	t.Helper()
	key := newKey(t)
	tmpl := &x509.Certificate{
		SerialNumber: serial(t), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{use},
	}
	if tune != nil {
		tune(tmpl)
	}
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	if len(realms) > 0 {
		tmpl.ExtraExtensions = []pkix.Extension{SubjectAltName(realms, tmpl.DNSNames, tmpl.IPAddresses)}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	return Issued{
		TLS:      tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf},
		CertFile: ca.write(cn+".pem", "CERTIFICATE", der),
		KeyFile:  ca.write(cn+".key", "PRIVATE KEY", kder),
	}
}

func (ca *CA) write(name, typ string, der []byte) string {
	p := filepath.Join(ca.dir, name)
	if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		ca.t.Fatal(err)
	}
	return p
}

func newKey(t testing.TB) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func serial(t testing.TB) *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// SubjectAltName encodes a SubjectAltName extension with NAIRealm
// otherNames (id-on-naiRealm, a UTF8String each), DNS names and IP
// addresses, since Go's x509 writes no otherName.
func SubjectAltName(realms, dnsNames []string, ips []net.IP) pkix.Extension {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		for _, r := range realms {
			b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
				b.AddASN1ObjectIdentifier(asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 8, 8})
				b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.UTF8String, func(b *cryptobyte.Builder) { b.AddBytes([]byte(r)) })
				})
			})
		}
		for _, n := range dnsNames {
			b.AddASN1(cbasn1.Tag(2).ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes([]byte(n)) })
		}
		for _, ip := range ips {
			if v4 := ip.To4(); v4 != nil {
				ip = v4
			}
			b.AddASN1(cbasn1.Tag(7).ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes(ip) })
		}
	})
	return pkix.Extension{Id: asn1.ObjectIdentifier{2, 5, 29, 17}, Value: b.BytesOrPanic()}
}
