package orgpki_test

import (
	"encoding/pem"
	"testing"
	"time"

	"github.com/wifihk/wifihk/visitors/orgpki"
	"github.com/wifihk/wifihk/visitors/orgpki/orgpkitest"
)

// The seed corpora run with go test; go test -fuzz explores from them.

func FuzzParseCA(f *testing.F) {
	ca := orgpkitest.New(f, "School CA")
	f.Add(ca.PEM)
	f.Add(ca.Cert.Raw)
	f.Add([]byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"))
	f.Add([]byte{0x30, 0x82, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, data []byte) {
		ca, err := orgpki.ParseCA(data)
		if err == nil && !ca.IsCA {
			t.Fatal("accepted a certificate that is not a CA")
		}
	})
}

func FuzzParseCRL(f *testing.F) {
	ca := orgpkitest.New(f, "School CA")
	now := time.Now()
	der := ca.CRL(f, 7, now.Add(-time.Hour), now.Add(time.Hour), ca.Issue(f, orgpkitest.Names{CN: "amy"}).Cert)
	f.Add(der)
	f.Add(pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: der}))
	f.Add(der[:len(der)/2])
	f.Fuzz(func(t *testing.T, data []byte) {
		if crl, err := orgpki.ParseCRL(data, ca.Cert, now); err == nil && crl.CheckSignatureFrom(ca.Cert) != nil {
			t.Fatal("accepted a CRL the CA did not sign")
		}
	})
}

func FuzzParseUPNs(f *testing.F) {
	f.Add(orgpkitest.SAN("amy@school.edu.hk", ""))
	f.Add([]byte{0x30, 0x00})
	f.Add([]byte{0x30, 0x04, 0xa0, 0x02, 0x06, 0x00})
	f.Fuzz(func(t *testing.T, der []byte) {
		orgpki.ParseUPNs(der) // must return, not panic
	})
}
