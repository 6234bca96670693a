package radius

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wifihk/wifihk/radius/eap"
	"github.com/wifihk/wifihk/visitors"
	"github.com/wifihk/wifihk/visitors/orgpki"
	"github.com/wifihk/wifihk/visitors/orgpki/orgpkitest"
)

// EAP-TLS with eapol_test and a device certificate from an
// organisation's own CA (made here with Go's x509, standing for a
// school's Active Directory CA, not wifihk's): refused until the school
// imports its CA, then accepted as the account its UPN names, refused
// once an uploaded CRL lists it, and refused when it names an account of
// another organisation.
func TestInteropEapolTLSImportedCA(t *testing.T) {
	needEapolTest(t)
	h := newEAPHarness(t, "", eap.Config{})
	for _, a := range []visitors.AccountInput{{Username: "amy", Password: "amy-pass-1", Org: "school"}, {Username: "bob", Password: "bob-pass-1", Org: "shop"}} {
		if _, err := h.vis.AddAccount(a); err != nil {
			t.Fatal(err)
		}
	}
	school := orgpkitest.New(t, "School AD CA")
	dir := t.TempDir()
	device := func(name, upn string) string {
		cert, key := school.Issue(t, orgpkitest.Names{CN: name, UPN: upn}).Files(t, dir, name)
		return schoolTLSNetwork(cert, key, h.pki.CA)
	}
	amy := device("amy-laptop", "amy@school.edu.hk")
	lost := school.Issue(t, orgpkitest.Names{CN: "amy-phone", UPN: "amy@school.edu.hk"})
	lostCert, lostKey := lost.Files(t, dir, "amy-phone")
	amyLost := strings.Replace(strings.Replace(amy, dir+"/amy-laptop.crt", lostCert, 1), dir+"/amy-laptop.key", lostKey, 1)
	bob := device("bob-laptop", "bob@school.edu.hk")

	reject := func(t *testing.T, network, why string) {
		t.Helper()
		out, ok := h.eapolTest(t, network)
		if ok || !strings.Contains(out, "Access-Reject") {
			t.Fatalf("%s: want an Access-Reject:\n%s", why, tail(out, 60))
		}
	}
	t.Run("before the import", func(t *testing.T) { reject(t, amy, "a certificate of a CA nobody imported") })

	ca, err := h.vis.ImportCA("school", school.PEM, orgpki.Rule{Field: orgpki.FieldUPN, Domain: "school.edu.hk", Strip: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("after the import", func(t *testing.T) {
		out, ok := h.eapolTest(t, amy)
		if !ok || !strings.Contains(out, "MPPE keys OK: 1  mismatch: 0") {
			t.Fatalf("want SUCCESS with MPPE keys OK:\n%s", tail(out, 80))
		}
		// The inner identity is the UPN's account, not the outer identity.
		if !strings.Contains(out, "Attribute 1 (User-Name) length=5") || !strings.Contains(out, "Value: 'amy'") {
			t.Fatalf("the Accept does not name the account amy:\n%s", tail(out, 80))
		}
	})
	t.Run("another organisation's account", func(t *testing.T) { reject(t, bob, "school's CA naming shop's bob") })

	now := time.Now()
	if _, err := h.vis.SetCRL("school", ca.ID, school.CRL(t, 1, now.Add(-time.Minute), now.Add(24*time.Hour), lost.Cert)); err != nil {
		t.Fatal(err)
	}
	t.Run("listed in the CRL", func(t *testing.T) { reject(t, amyLost, "a certificate the CRL revokes") })
	t.Run("not listed in the CRL", func(t *testing.T) {
		if out, ok := h.eapolTest(t, amy); !ok {
			t.Fatalf("a certificate the CRL does not list: want SUCCESS:\n%s", tail(out, 60))
		}
	})
}

// EAP-TLS with eapol_test and a device certificate from the devices CA
// under a school's root, with only the root imported: accepted when the
// client_cert file holds the intermediate after the leaf (wpa_supplicant
// sends the chain), refused when it holds the leaf alone.
func TestInteropEapolTLSImportedCAIntermediate(t *testing.T) {
	needEapolTest(t)
	h := newEAPHarness(t, "", eap.Config{})
	if _, err := h.vis.AddAccount(visitors.AccountInput{Username: "amy", Password: "amy-pass-1", Org: "school"}); err != nil {
		t.Fatal(err)
	}
	root := orgpkitest.New(t, "School Root CA")
	devices := root.Intermediate(t, "School Devices CA")
	if _, err := h.vis.ImportCA("school", root.PEM, orgpki.Rule{Field: orgpki.FieldUPN, Domain: "school.edu.hk", Strip: true}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	leaf := devices.Issue(t, orgpkitest.Names{CN: "amy-laptop", UPN: "amy@school.edu.hk"})
	alone, key := leaf.Files(t, dir, "amy-laptop")
	chain := filepath.Join(dir, "amy-laptop-chain.crt")
	if err := os.WriteFile(chain, append(append([]byte{}, leaf.CertPEM...), devices.PEM...), 0o600); err != nil {
		t.Fatal(err)
	}
	network := func(cert string) string { return schoolTLSNetwork(cert, key, h.pki.CA) }
	t.Run("with the intermediate", func(t *testing.T) {
		out, ok := h.eapolTest(t, network(chain))
		if !ok || !strings.Contains(out, "MPPE keys OK: 1  mismatch: 0") || !strings.Contains(out, "Value: 'amy'") {
			t.Fatalf("want SUCCESS for amy with MPPE keys OK:\n%s", tail(out, 80))
		}
	})
	t.Run("the leaf alone", func(t *testing.T) {
		if out, ok := h.eapolTest(t, network(alone)); ok || !strings.Contains(out, "Access-Reject") {
			t.Fatalf("want an Access-Reject:\n%s", tail(out, 60))
		}
	})
}

// schoolTLSNetwork is eapol_test's network block for a school device's
// EAP-TLS: its certificate file (with any intermediates after it), its
// key, and wifihk's CA to check the server by.
func schoolTLSNetwork(cert, key, ca string) string {
	return fmt.Sprintf(`	key_mgmt=WPA-EAP
	eap=TLS
	identity="anonymous@school.edu.hk"
	client_cert=%q
	private_key=%q
	ca_cert=%q
	domain_match="radius.wifi.hk"`, cert, key, ca)
}
