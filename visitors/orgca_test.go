package visitors

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/wifihk/wifihk/visitors/orgpki"
	"github.com/wifihk/wifihk/visitors/orgpki/orgpkitest"
)

// An organisation's own CA (not wifihk's): its certificates are refused
// until it is imported, then map by the rule to accounts of that
// organisation only, and its CRL revokes them.
func TestImportedCA(t *testing.T) {
	s := newTestStore(t)
	for _, a := range []AccountInput{{Username: "amy", Password: "amy-pass-1", Org: "school"}, {Username: "bob", Password: "bob-pass-1", Org: "shop"}, {Username: "cat", Password: "cat-pass-1"}} {
		if _, err := s.AddAccount(a); err != nil {
			t.Fatal(err)
		}
	}
	school := orgpkitest.New(t, "School AD CA")
	leaf := func(upn string) []*x509.Certificate {
		return []*x509.Certificate{school.Issue(t, orgpkitest.Names{CN: upn, UPN: upn}).Cert}
	}
	amy, amy2 := leaf("amy@school.edu.hk"), leaf("amy@school.edu.hk")
	if _, err := s.VerifyClientCert(amy); !errors.Is(err, ErrCertUnknown) {
		t.Fatalf("before the import: %v, want ErrCertUnknown", err)
	}
	rule := orgpki.Rule{Field: orgpki.FieldUPN, Domain: "school.edu.hk", Strip: true}
	ca, err := s.ImportCA("school", school.PEM, rule)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ImportCA("school", school.Cert.Raw, rule); !errors.Is(err, ErrCAExists) {
		t.Fatalf("importing it twice: %v", err)
	}
	if user, err := s.VerifyClientCert(amy); err != nil || user != "amy" {
		t.Fatalf("after the import: %q, %v", user, err)
	}
	for name, tc := range map[string]struct {
		chain []*x509.Certificate
		want  error
	}{
		"another organisation's account": {leaf("bob@school.edu.hk"), ErrNotMember},
		"an account of no organisation":  {leaf("cat@school.edu.hk"), ErrNotMember},
		"no such account":                {leaf("dan@school.edu.hk"), ErrUnknown},
	} {
		if _, err := s.VerifyClientCert(tc.chain); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", name, err, tc.want)
		}
	}
	if _, err := s.VerifyClientCert(leaf("amy@shop.com.hk")); err == nil || !strings.Contains(err.Error(), "not in the domain") {
		t.Errorf("a UPN of another domain: %v", err)
	}
	// A CRL revokes amy2 only; an older CRL cannot replace it.
	now := time.Now()
	if _, err := s.SetCRL("school", ca.ShortID(), school.CRL(t, 2, now.Add(-time.Minute), now.Add(time.Hour), amy2[0])); err != nil {
		t.Fatal(err)
	}
	if _, err := s.VerifyClientCert(amy2); !errors.Is(err, ErrCertRevoked) {
		t.Fatalf("revoked by the CRL: %v", err)
	}
	if user, err := s.VerifyClientCert(amy); err != nil || user != "amy" {
		t.Fatalf("not on the CRL: %q, %v", user, err)
	}
	if _, err := s.SetCRL("school", ca.ID, school.CRL(t, 1, now.Add(-time.Hour), now.Add(time.Hour))); err == nil || !strings.Contains(err.Error(), "before the one held") {
		t.Fatalf("an older CRL: %v", err)
	}
	// A stale CRL refuses every certificate of its CA.
	s.SetNow(func() time.Time { return now.Add(2 * time.Hour) })
	if _, err := s.VerifyClientCert(amy); !errors.Is(err, ErrCRLStale) {
		t.Fatalf("with a stale CRL: %v", err)
	}
	s.SetNow(time.Now)
	// Every record is one that store check reads as sound.
	if damaged, err := s.db.CheckRecords(); err != nil || len(damaged) != 0 {
		t.Fatalf("store check: %+v, %v", damaged, err)
	}
	list, err := s.ImportedCAs("school")
	if err != nil || len(list) != 1 || list[0].CRL == nil || list[0].CRL.Revoked != 1 || list[0].Identity != rule {
		t.Fatalf("ImportedCAs = %+v, %v", list, err)
	}
	if other, _ := s.ImportedCAs("shop"); len(other) != 0 {
		t.Fatalf("shop sees school's CAs: %+v", other)
	}
	if _, err := s.RemoveImportedCA("shop", ca.ID); !errors.Is(err, ErrCAUnknown) {
		t.Fatalf("shop removed school's CA: %v", err)
	}
	if _, err := s.RemoveImportedCA("school", ca.ShortID()); err != nil {
		t.Fatal(err)
	}
	if _, err := s.VerifyClientCert(amy); !errors.Is(err, ErrCertUnknown) {
		t.Fatalf("after the removal: %v", err)
	}
}

// A CA imported by one organisation vouches for nobody in another, even
// when the other imported a CA of the same name.
func TestImportedCAOfAnotherOrganisation(t *testing.T) {
	s := newTestStore(t)
	if _, err := s.AddAccount(AccountInput{Username: "bob", Password: "bob-pass-1", Org: "shop"}); err != nil {
		t.Fatal(err)
	}
	schoolCA, fake := orgpkitest.New(t, "Common Name CA"), orgpkitest.New(t, "Common Name CA")
	rule := orgpki.Rule{Field: orgpki.FieldCN}
	if _, err := s.ImportCA("school", schoolCA.PEM, rule); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ImportCA("shop", fake.PEM, rule); err != nil {
		t.Fatal(err)
	}
	if _, err := s.VerifyClientCert([]*x509.Certificate{schoolCA.Issue(t, orgpkitest.Names{CN: "bob"}).Cert}); !errors.Is(err, ErrNotMember) {
		t.Fatalf("school's CA naming shop's bob: %v", err)
	}
	if user, err := s.VerifyClientCert([]*x509.Certificate{fake.Issue(t, orgpkitest.Names{CN: "bob"}).Cert}); err != nil || user != "bob" {
		t.Fatalf("shop's CA naming bob: %q, %v", user, err)
	}
}

func TestImportCARefusals(t *testing.T) {
	s := newTestStore(t)
	ca := orgpkitest.New(t, "School CA")
	leaf := ca.Issue(t, orgpkitest.Names{CN: "amy"})
	for name, tc := range map[string]struct {
		org  string
		data []byte
		rule orgpki.Rule
		want string
	}{
		"bad org":       {"a/b", ca.PEM, orgpki.Rule{Field: "cn"}, "organisation code"},
		"bad rule":      {"school", ca.PEM, orgpki.Rule{Field: "dn"}, "not upn, email or cn"},
		"a leaf":        {"school", leaf.CertPEM, orgpki.Rule{Field: "cn"}, "not a CA"},
		"with a key":    {"school", append(append([]byte{}, ca.PEM...), leaf.KeyPEM...), orgpki.Rule{Field: "cn"}, "private key"},
		"junk":          {"school", []byte("junk"), orgpki.Rule{Field: "cn"}, "orgpki: certificate"},
		"an empty file": {"school", nil, orgpki.Rule{Field: "cn"}, "empty"},
	} {
		if _, err := s.ImportCA(tc.org, tc.data, tc.rule); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", name, err, tc.want)
		}
	}
	s.SetNow(func() time.Time { return time.Now().AddDate(2, 0, 0) })
	if _, err := s.ImportCA("school", ca.PEM, orgpki.Rule{Field: "cn"}); err == nil || !strings.Contains(err.Error(), "expired") {
		t.Errorf("an expired CA: %v", err)
	}
	s.SetNow(time.Now)
	rec, err := s.ImportCA("school", ca.PEM, orgpki.Rule{Field: "cn"})
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{
		"junk":        []byte("junk"),
		"another CA":  orgpkitest.New(t, "Other").CRL(t, 1, time.Now().Add(-time.Hour), time.Now().Add(time.Hour)),
		"expired":     ca.CRL(t, 1, time.Now().Add(-2*time.Hour), time.Now().Add(-time.Hour)),
		"certificate": pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Cert.Raw}),
	} {
		if _, err := s.SetCRL("school", rec.ID, data); err == nil {
			t.Errorf("SetCRL accepted %s", name)
		}
	}
	if _, err := s.SetCRL("school", "0123", nil); !errors.Is(err, ErrCAUnknown) {
		t.Errorf("a short id: %v", err)
	}
}

// An outside CA whose certificates name, as their issuer's organisation,
// an organisation that also has a wifihk CA is still checked as imported.
func TestImportedCANamedLikeAnOrganisation(t *testing.T) {
	s := newTestStore(t)
	if _, err := s.AddAccount(AccountInput{Username: "amy", Password: "amy-pass-1", Org: "school"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.IssueClientCert("school", "amy", time.Hour); err != nil { // makes wifihk's CA of school
		t.Fatal(err)
	}
	own := orgpkitest.New(t, "school") // its subject's O is "school" too
	leaf := []*x509.Certificate{own.Issue(t, orgpkitest.Names{CN: "amy"}).Cert}
	if _, err := s.VerifyClientCert(leaf); err == nil || !strings.Contains(err.Error(), "x509") {
		t.Fatalf("before the import: %v, want the chain's error", err)
	}
	if _, err := s.ImportCA("school", own.PEM, orgpki.Rule{Field: orgpki.FieldCN}); err != nil {
		t.Fatal(err)
	}
	if user, err := s.VerifyClientCert(leaf); err != nil || user != "amy" {
		t.Fatalf("after the import: %q, %v", user, err)
	}
}

// A device certificate issued by an organisation's intermediate CA, with
// only the root imported: accepted when the device sends the
// intermediate in its chain, refused without it, when the root's CRL
// revokes the intermediate, and when the intermediate is not the root's
// (another key under the same name). An intermediate imported as well,
// with its own CRL, decides alone for the certificates it signed.
func TestImportedCAThroughAnIntermediate(t *testing.T) {
	s := newTestStore(t)
	if _, err := s.AddAccount(AccountInput{Username: "amy", Password: "amy-pass-1", Org: "school"}); err != nil {
		t.Fatal(err)
	}
	root := orgpkitest.New(t, "School Root CA")
	devices := root.Intermediate(t, "School Devices CA")
	rule := orgpki.Rule{Field: orgpki.FieldUPN, Domain: "school.edu.hk", Strip: true}
	ca, err := s.ImportCA("school", root.PEM, rule)
	if err != nil {
		t.Fatal(err)
	}
	names := orgpkitest.Names{CN: "amy", UPN: "amy@school.edu.hk"}
	amy, amy2 := devices.Issue(t, names).Cert, devices.Issue(t, names).Cert
	if _, err := s.VerifyClientCert([]*x509.Certificate{amy}); !errors.Is(err, ErrCertUnknown) {
		t.Fatalf("without the intermediate: %v, want ErrCertUnknown", err)
	}
	if user, err := s.VerifyClientCert([]*x509.Certificate{amy, devices.Cert}); err != nil || user != "amy" {
		t.Fatalf("with the intermediate: %q, %v", user, err)
	}
	if user, err := s.VerifyClientCert([]*x509.Certificate{amy, devices.Cert, root.Cert}); err != nil || user != "amy" {
		t.Fatalf("with the intermediate and the root: %q, %v", user, err)
	}
	forged := orgpkitest.New(t, "School Devices CA") // same name, not signed by the root
	forgedAmy := forged.Issue(t, names).Cert
	if _, err := s.VerifyClientCert([]*x509.Certificate{forgedAmy, forged.Cert}); !errors.Is(err, ErrCertUnknown) {
		t.Fatalf("an intermediate the root did not sign: %v, want ErrCertUnknown", err)
	}
	now := time.Now()
	if _, err := s.SetCRL("school", ca.ID, root.CRL(t, 1, now.Add(-time.Minute), now.Add(time.Hour), devices.Cert)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.VerifyClientCert([]*x509.Certificate{amy, devices.Cert}); !errors.Is(err, ErrCertRevoked) {
		t.Fatalf("the intermediate revoked by the root's CRL: %v, want ErrCertRevoked", err)
	}
	if _, err := s.SetCRL("school", ca.ID, root.CRL(t, 2, now.Add(-time.Minute), now.Add(time.Hour))); err != nil {
		t.Fatal(err)
	}
	inter, err := s.ImportCA("school", devices.PEM, rule)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetCRL("school", inter.ID, devices.CRL(t, 1, now.Add(-time.Minute), now.Add(time.Hour), amy2)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.VerifyClientCert([]*x509.Certificate{amy2, devices.Cert}); !errors.Is(err, ErrCertRevoked) {
		t.Fatalf("revoked by the imported intermediate's CRL, sent with the intermediate: %v, want ErrCertRevoked", err)
	}
	if user, err := s.VerifyClientCert([]*x509.Certificate{amy, devices.Cert}); err != nil || user != "amy" {
		t.Fatalf("not revoked: %q, %v", user, err)
	}
}
