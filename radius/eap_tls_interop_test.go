package radius

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wifihk/wifihk/radius/eap"
	"github.com/wifihk/wifihk/visitors"
)

// EAP-TLS (RFC 5216, RFC 9190) with eapol_test: the client certificate is
// issued in the test under the organisation's CA and names the account.
func TestInteropEapolTLS(t *testing.T) {
	needEapolTest(t)
	h := newEAPHarness(t, "", eap.Config{})
	if _, err := h.vis.AddAccount(visitors.AccountInput{Username: "amy", Password: "amy-pass-1", Org: "school"}); err != nil {
		t.Fatal(err)
	}
	issue := func(name string) (visitors.IssuedCert, string, string) {
		ic, err := h.vis.IssueClientCert("school", "amy", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		cert, key := filepath.Join(dir, name+".crt"), filepath.Join(dir, name+".key")
		if os.WriteFile(cert, ic.CertPEM, 0o600) != nil || os.WriteFile(key, ic.KeyPEM, 0o600) != nil {
			t.Fatal("writing the client certificate")
		}
		return ic, cert, key
	}
	network := func(cert, key, phase1 string) string {
		return fmt.Sprintf(`	key_mgmt=WPA-EAP
	eap=TLS
	identity="amy@school"
	client_cert=%q
	private_key=%q
	ca_cert=%q
	domain_match="radius.wifi.hk"
	phase1=%q`, cert, key, h.pki.CA, phase1)
	}
	_, cert, key := issue("amy")
	ic, cert2, key2 := issue("amy2")
	if err := h.vis.RevokeClientCert("school", ic.Serial); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, phase1 string }{
		{"TLS1.2", "tls_disable_tlsv1_3=1 tls_disable_session_ticket=0"},
		{"TLS1.3", "tls_disable_tlsv1_3=0"},
	} {
		t.Run(tc.name+" accept and resume", func(t *testing.T) {
			// -N89:x:00: the NAS asks for Chargeable-User-Identity (RFC 4372).
			out, ok := h.eapolTest(t, network(cert, key, tc.phase1), "-r", "1", "-N89:x:00")
			if !ok || !strings.Contains(out, "MPPE keys OK: 2  mismatch: 0") {
				t.Fatalf("want two successes with MPPE keys OK:\n%s", tail(out, 80))
			}
			if runs := resumedRuns(out); !slices.Equal(runs, []bool{false, true}) {
				t.Fatalf("runs resumed %v, want a full handshake, then a resumed one:\n%s", runs, tail(out, 80))
			}
			usedTLS(t, out, tc.name)
			if !strings.Contains(out, "Attribute 1 (User-Name) length=5") {
				t.Fatalf("the Accept does not name the certificate's account:\n%s", tail(out, 80))
			}
			if !strings.Contains(out, "Attribute 89 (Chargeable-User-Identity)") {
				t.Fatalf("the Accept has no Chargeable-User-Identity:\n%s", tail(out, 80))
			}
		})
		t.Run(tc.name+" revoked", func(t *testing.T) {
			out, ok := h.eapolTest(t, network(cert2, key2, tc.phase1))
			if ok || !strings.Contains(out, "Access-Reject") {
				t.Fatalf("want a reject:\n%s", tail(out, 60))
			}
		})
		t.Run(tc.name+" certificate not issued by an organisation's CA", func(t *testing.T) {
			// The server's own demo certificate: a valid chain, but not to a device CA.
			out, ok := h.eapolTest(t, network(h.pki.Cert, h.pki.Key, tc.phase1))
			if ok || !strings.Contains(out, "Access-Reject") {
				t.Fatalf("want a reject:\n%s", tail(out, 60))
			}
		})
	}
	// The PKCS#12 file the console hands over, as a device installs it:
	// OpenSSL must open it with the one-time password and send its chain.
	t.Run("PKCS#12 file", func(t *testing.T) {
		ic, _, _ := issue("amy3")
		file, pw, err := ic.PKCS12()
		if err != nil {
			t.Fatal(err)
		}
		p12 := filepath.Join(t.TempDir(), "amy.p12")
		if err := os.WriteFile(p12, file, 0o600); err != nil {
			t.Fatal(err)
		}
		out, ok := h.eapolTest(t, fmt.Sprintf(`	key_mgmt=WPA-EAP
	eap=TLS
	identity="amy@school"
	private_key=%q
	private_key_passwd=%q
	ca_cert=%q
	domain_match="radius.wifi.hk"`, p12, pw, h.pki.CA))
		if !ok || !strings.Contains(out, "MPPE keys OK: 1  mismatch: 0") {
			t.Fatalf("want SUCCESS with MPPE keys OK:\n%s", tail(out, 80))
		}
	})
}
