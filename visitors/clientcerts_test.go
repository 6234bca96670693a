package visitors

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/wifihk/wifihk/internal/store"
)

func parseIssued(t *testing.T, ic IssuedCert) []*x509.Certificate {
	t.Helper()
	pair, err := tls.X509KeyPair(ic.CertPEM, ic.KeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	return []*x509.Certificate{leaf}
}

func TestClientCertIssueVerifyRevoke(t *testing.T) {
	s := newTestStore(t)
	for _, a := range []AccountInput{{Username: "amy", Password: "amy-pass-1", Org: "school"}, {Username: "bob", Password: "bob-pass-1", Org: "shop"}, {Username: "cat", Password: "cat-pass-1"}} {
		if _, err := s.AddAccount(a); err != nil {
			t.Fatal(err)
		}
	}
	ic, err := s.IssueClientCert("school", "amy", 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	chain := parseIssued(t, ic)
	if user, err := s.VerifyClientCert(chain); err != nil || user != "amy" {
		t.Fatalf("VerifyClientCert = %q, %v", user, err)
	}
	// Each organisation has its own CA: shop's does not vouch for school's.
	other, err := s.IssueClientCert("shop", "bob", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if string(other.CAPEM) == string(ic.CAPEM) {
		t.Fatal("two organisations share a CA")
	}
	forged := parseIssued(t, other)
	forged[0].Issuer.Organization = []string{"school"} // claims school's CA
	if _, err := s.VerifyClientCert(forged); err == nil {
		t.Fatal("a certificate from shop's CA passed as school's")
	}
	for _, bad := range []struct{ org, user string }{{"school", "bob"}, {"school", "cat"}, {"school", "nobody"}, {"a/b", "amy"}} {
		if _, err := s.IssueClientCert(bad.org, bad.user, time.Hour); err == nil {
			t.Errorf("issued %s a certificate of %s", bad.user, bad.org)
		}
	}
	if err := s.RevokeClientCert("school", strings.ToUpper(ic.Serial)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.VerifyClientCert(chain); !errors.Is(err, ErrCertRevoked) {
		t.Fatalf("revoked certificate: %v", err)
	}
	if err := s.RevokeClientCert("school", "00"); !errors.Is(err, ErrCertUnknown) {
		t.Fatalf("revoking an unknown serial: %v", err)
	}
	list, err := s.ClientCerts("school")
	if err != nil || len(list) != 1 || list[0].Username != "amy" || list[0].Revoked.IsZero() {
		t.Fatalf("ClientCerts = %+v, %v", list, err)
	}
	// The CA key is sealed, not stored in the clear.
	var raw []byte
	if err := s.db.View(func(tx *store.Tx) (err error) { raw, err = tx.GetRaw(store.ClientCerts, "ca/school"); return err }); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), "PRIVATE KEY") || !strings.Contains(string(raw), "key_sealed") {
		t.Fatalf("CA record holds its key in the clear: %s", raw)
	}
	s.cas = caCache{} // read back from the store
	if ca, err := s.ClientCA("school"); err != nil || string(ca) != string(ic.CAPEM) {
		t.Fatalf("ClientCA: %v", err)
	}
	s.now = func() time.Time { return time.Now().Add(48 * time.Hour) }
	if _, err := s.VerifyClientCert(parseIssued(t, other)); err == nil {
		t.Fatal("an expired certificate passed")
	}
}
