package hotspots_test

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"net"
	"strings"
	"testing"

	"github.com/wifihk/wifihk/hotspots"
)

func cert(issuer, subject string, dns ...string) *x509.Certificate {
	return &x509.Certificate{Issuer: pkix.Name{CommonName: issuer, Organization: []string{"Example"}},
		Subject: pkix.Name{CommonName: subject}, DNSNames: dns, IPAddresses: []net.IP{net.ParseIP("192.0.2.7")}}
}

func TestNASForCert(t *testing.T) {
	r := newRegistry(t)
	for _, in := range []hotspots.NASInput{
		{Name: "by-cn", IP: "192.0.2.1", Secret: "secret1", Cert: hotspots.CertIdentity{Issuer: "NAS CA", Subject: "ap-1"}},
		{Name: "by-san", IP: "192.0.2.2", Secret: "secret2", Cert: hotspots.CertIdentity{Issuer: "CN=NAS CA,O=Example", SAN: "peer.example.org"}},
		{Name: "udp-only", IP: "192.0.2.3", Secret: "secret3"},
	} {
		if _, err := r.AddNAS(in); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name string
		cert *x509.Certificate
		want string
	}{
		{"subject CN", cert("NAS CA", "ap-1"), "by-cn"},
		{"SAN, issuer by DN", cert("NAS CA", "whatever", "peer.example.org"), "by-san"},
		{"same CN, other issuer", cert("Other CA", "ap-1"), ""},
		{"unknown CN", cert("NAS CA", "ap-2"), ""},
		{"IP SAN matches nothing registered", cert("NAS CA", "x"), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, ok := r.NASForCert(tc.cert)
			if ok != (tc.want != "") || n.Name != tc.want {
				t.Fatalf("got %q %v, want %q", n.Name, ok, tc.want)
			}
		})
	}
}

func TestCertIdentityRules(t *testing.T) {
	r := newRegistry(t)
	if _, err := r.AddNAS(hotspots.NASInput{Name: "a", IP: "192.0.2.1", Secret: "secret1",
		Cert: hotspots.CertIdentity{Issuer: "NAS CA", Subject: "ap-1"}}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		cert hotspots.CertIdentity
		want string
	}{
		{"name without issuer", hotspots.CertIdentity{Subject: "ap-2"}, "cert-issuer: required"},
		{"issuer alone", hotspots.CertIdentity{Issuer: "NAS CA"}, "cert-subject or cert-san"},
		{"control character", hotspots.CertIdentity{Issuer: "NAS CA", Subject: "ap\n2"}, "printable"},
		{"taken", hotspots.CertIdentity{Issuer: "NAS CA", Subject: "ap-1"}, "same certificate identity"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := r.AddNAS(hotspots.NASInput{Name: "b", IP: "192.0.2.2", Secret: "secret2", Cert: tc.cert})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
			if tc.name == "taken" && !errors.Is(err, hotspots.ErrNASExists) {
				t.Errorf("not ErrNASExists: %v", err)
			}
		})
	}
}
