package eap

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"sync"
	"testing"
	"time"
)

// clientCert is a self-signed client certificate named cn.
func clientCert(t *testing.T, cn string) tls.Certificate {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// The client certificate is checked on every handshake: a session
// resumed after its certificate was revoked is refused.
func TestEAPTLSRevocationAppliesToResumption(t *testing.T) {
	var mu sync.Mutex
	revoked := map[string]bool{}
	mapper := func(chain []*x509.Certificate) (string, error) {
		mu.Lock()
		defer mu.Unlock()
		if revoked[chain[0].Subject.CommonName] {
			return "", errors.New("revoked")
		}
		return chain[0].Subject.CommonName, nil
	}
	s := newTestServer(t, Config{ClientCert: mapper})
	for _, v := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		name := map[uint16]string{tls.VersionTLS12: "TLS1.2", tls.VersionTLS13: "TLS1.3"}[v]
		t.Run(name, func(t *testing.T) {
			user := "device-" + name
			p := testPeer(t, "", "")
			p.Method, p.Outer = TypeTLS, user
			p.TLS.MinVersion, p.TLS.MaxVersion = v, v
			p.TLS.Certificates = []tls.Certificate{clientCert(t, user)}
			p.TLS.ClientSessionCache = tls.NewLRUClientSessionCache(4)
			var got []*Outcome
			ex := direct(s, func(o *Outcome) bool { got = append(got, o); return true })
			for i, wantResumed := range []bool{false, true} {
				res, err := p.Run(ex)
				if err != nil || res.Resumed != wantResumed || len(res.MSK) != 64 {
					t.Fatalf("run %d: %+v, %v", i, res, err)
				}
				if o := got[len(got)-1]; o.User != user || !o.Checked || o.Resumed != wantResumed || string(o.MSK) != string(res.MSK) {
					t.Fatalf("run %d: outcome %+v", i, o)
				}
			}
			mu.Lock()
			revoked[user] = true
			mu.Unlock()
			if _, err := p.Run(ex); !errors.Is(err, ErrRejected) {
				t.Fatalf("resumption with a revoked certificate: %v", err)
			}
		})
	}
}

func TestEAPTLSNeedsClientCertMapper(t *testing.T) {
	s := newTestServer(t, Config{})
	p := testPeer(t, "", "")
	p.Method = TypeTLS
	p.TLS.Certificates = []tls.Certificate{clientCert(t, "x")}
	if _, err := p.Run(direct(s, func(*Outcome) bool { return true })); !errors.Is(err, ErrRejected) {
		t.Fatalf("EAP-TLS without ClientCert: %v", err)
	}
	p.TLS.Certificates = nil
	s = newTestServer(t, Config{ClientCert: func([]*x509.Certificate) (string, error) { return "x", nil }})
	if _, err := p.Run(direct(s, func(*Outcome) bool { return true })); err == nil {
		t.Fatal("EAP-TLS without a client certificate succeeded")
	}
}
