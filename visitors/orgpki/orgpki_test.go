package orgpki_test

import (
	"crypto/x509"
	"encoding/pem"
	"strings"
	"testing"
	"time"

	"github.com/wifihk/wifihk/visitors/orgpki"
	"github.com/wifihk/wifihk/visitors/orgpki/orgpkitest"
)

func TestParseCA(t *testing.T) {
	ca := orgpkitest.New(t, "School CA")
	leaf := ca.Issue(t, orgpkitest.Names{CN: "amy"})
	for _, good := range [][]byte{ca.PEM, ca.Cert.Raw, append([]byte("comment line\n"), ca.PEM...)} {
		got, err := orgpki.ParseCA(good)
		if err != nil || !got.Equal(ca.Cert) {
			t.Fatalf("ParseCA = %v, %v", got, err)
		}
	}
	for _, bad := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty", []byte(" \n"), "empty"},
		{"junk", []byte("not a certificate"), "orgpki: certificate:"},
		{"not a CA", leaf.CertPEM, "not a CA certificate"},
		{"with its key", append(append([]byte{}, ca.PEM...), leaf.KeyPEM...), "private key"},
		{"two certificates", append(append([]byte{}, ca.PEM...), ca.PEM...), "2 PEM blocks"},
		{"a CRL instead", pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: []byte{1}}), `no PEM block "CERTIFICATE"`},
		{"too large", make([]byte, orgpki.MaxCASize+1), "more than"},
	} {
		t.Run(bad.name, func(t *testing.T) {
			if _, err := orgpki.ParseCA(bad.data); err == nil || !strings.Contains(err.Error(), bad.want) {
				t.Fatalf("ParseCA = %v, want an error with %q", err, bad.want)
			}
		})
	}
}

func TestParseCRL(t *testing.T) {
	ca, other := orgpkitest.New(t, "School CA"), orgpkitest.New(t, "Other CA")
	leaf := ca.Issue(t, orgpkitest.Names{CN: "amy"})
	now := time.Now()
	der := ca.CRL(t, 1, now.Add(-time.Hour), now.Add(time.Hour), leaf.Cert)
	for _, good := range [][]byte{der, pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: der})} {
		crl, err := orgpki.ParseCRL(good, ca.Cert, now)
		if err != nil || len(crl.RevokedCertificateEntries) != 1 {
			t.Fatalf("ParseCRL = %v, %v", crl, err)
		}
	}
	for _, bad := range []struct {
		name string
		data []byte
		want string
	}{
		{"junk", []byte{0x30, 0x03, 1, 2, 3}, "orgpki: CRL:"},
		{"another CA's", other.CRL(t, 1, now.Add(-time.Hour), now.Add(time.Hour)), "not signed by the CA"},
		{"expired", ca.CRL(t, 1, now.Add(-2*time.Hour), now.Add(-time.Hour)), "expired at"},
		{"from the future", ca.CRL(t, 1, now.Add(time.Hour), now.Add(2*time.Hour)), "in the future"},
		{"a certificate instead", ca.PEM, `no PEM block "X509 CRL"`},
	} {
		t.Run(bad.name, func(t *testing.T) {
			if _, err := orgpki.ParseCRL(bad.data, ca.Cert, now); err == nil || !strings.Contains(err.Error(), bad.want) {
				t.Fatalf("ParseCRL = %v, want an error with %q", err, bad.want)
			}
		})
	}
}

func TestRuleAccount(t *testing.T) {
	ca := orgpkitest.New(t, "School CA")
	amy := ca.Issue(t, orgpkitest.Names{CN: "Amy Chan", UPN: "amy@School.edu.hk", Email: "amy.chan@school.edu.hk"}).Cert
	bare := ca.Issue(t, orgpkitest.Names{}).Cert
	for _, tc := range []struct {
		rule orgpki.Rule
		leaf *x509.Certificate
		want string // account, or "error: substring"
	}{
		{orgpki.Rule{Field: orgpki.FieldUPN}, amy, "amy@School.edu.hk"},
		{orgpki.Rule{Field: orgpki.FieldUPN, Domain: "school.edu.hk"}, amy, "amy@school.edu.hk"},
		{orgpki.Rule{Field: orgpki.FieldUPN, Domain: "school.edu.hk", Strip: true}, amy, "amy"},
		{orgpki.Rule{Field: orgpki.FieldUPN, Domain: "shop.com.hk"}, amy, "error: not in the domain shop.com.hk"},
		{orgpki.Rule{Field: orgpki.FieldEmail, Domain: "school.edu.hk", Strip: true}, amy, "amy.chan"},
		{orgpki.Rule{Field: orgpki.FieldCN}, amy, "error: space"},
		{orgpki.Rule{Field: orgpki.FieldUPN}, bare, "error: has no upn"},
		{orgpki.Rule{Field: orgpki.FieldEmail}, bare, "error: has no email"},
		{orgpki.Rule{Field: orgpki.FieldCN}, bare, "error: has no cn"},
	} {
		t.Run(tc.rule.String(), func(t *testing.T) {
			got, err := tc.rule.Account(tc.leaf)
			if want, ok := strings.CutPrefix(tc.want, "error: "); ok {
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Fatalf("Account = %q, %v; want an error with %q", got, err, want)
				}
			} else if err != nil || got != tc.want {
				t.Fatalf("Account = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestRuleValidate(t *testing.T) {
	for _, bad := range []orgpki.Rule{{Field: "dn"}, {Field: orgpki.FieldUPN, Strip: true}, {Field: orgpki.FieldCN, Domain: "a b"}, {Field: orgpki.FieldCN, Domain: "x@y"}} {
		if err := bad.Validate(); err == nil {
			t.Errorf("%+v is valid", bad)
		}
	}
	if err := (orgpki.Rule{Field: orgpki.FieldEmail, Domain: "school.edu.hk", Strip: true}).Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestParseUPNs(t *testing.T) {
	got, err := orgpki.ParseUPNs(orgpkitest.SAN("amy@school.edu.hk", ""))
	if err != nil || len(got) != 1 || got[0] != "amy@school.edu.hk" {
		t.Fatalf("ParseUPNs = %q, %v", got, err)
	}
	// A UPN that is an IA5String, not a UTF8String: refused, not guessed.
	bad := orgpkitest.SAN("amy", "")
	bad[len(bad)-5] = 0x16
	for _, der := range [][]byte{nil, {0x30}, {0x30, 0x02, 0xa0, 0x00}, bad} {
		if _, err := orgpki.ParseUPNs(der); err == nil || !strings.Contains(err.Error(), "subject alternative name") {
			t.Errorf("ParseUPNs(%x) = %v", der, err)
		}
	}
}
