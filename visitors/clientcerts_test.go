package visitors

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"software.sslmate.com/src/go-pkcs12"

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

// The PKCS#12 file opens with its password only, and holds the key of the
// certificate, the certificate, and the organisation's CA, which the
// server then maps to the account.
func TestIssuedCertPKCS12(t *testing.T) {
	s := newTestStore(t)
	if _, err := s.AddAccount(AccountInput{Username: "amy", Password: "amy-pass-1", Org: "school"}); err != nil {
		t.Fatal(err)
	}
	ic, err := s.IssueClientCert("school", "amy", 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	file, pw, err := ic.PKCS12()
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^[a-z2-7]{4}(-[a-z2-7]{4}){3}$`).MatchString(pw) {
		t.Errorf("password %q is not 16 letters and digits in fours", pw)
	}
	if _, again, _ := ic.PKCS12(); again == pw {
		t.Error("two files got the same password")
	}
	if _, _, _, err := pkcs12.DecodeChain(file, "wrong-password"); err == nil {
		t.Fatal("the file opens with a wrong password")
	}
	key, leaf, cas, err := pkcs12.DecodeChain(file, pw)
	if err != nil {
		t.Fatal(err)
	}
	if pub, ok := key.(*ecdsa.PrivateKey); !ok || !pub.PublicKey.Equal(leaf.PublicKey) {
		t.Fatal("the file's key is not the certificate's")
	}
	ca, _ := s.ClientCA("school")
	if len(cas) != 1 || !bytes.Equal(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cas[0].Raw}), ca) {
		t.Fatalf("the file's CA chain is %d certificates, not the organisation's CA", len(cas))
	}
	if user, err := s.VerifyClientCert([]*x509.Certificate{leaf}); err != nil || user != "amy" {
		t.Fatalf("the file's certificate maps to %q, %v", user, err)
	}
}
