package portal_test

import (
	"encoding/base64"
	"encoding/pem"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/internal/secrets"
	"github.com/wifihk/wifihk/internal/storetest"
	"github.com/wifihk/wifihk/portal"
	"github.com/wifihk/wifihk/radius/eap"
	"github.com/wifihk/wifihk/visitors"
)

func secureNetwork(t *testing.T) *portal.SecureNetwork {
	t.Helper()
	pki, err := eap.WriteDemoPKI(t.TempDir(), "radius.wifi.hk")
	if err != nil {
		t.Fatal(err)
	}
	ca, err := os.ReadFile(pki.CA)
	if err != nil {
		t.Fatal(err)
	}
	return &portal.SecureNetwork{SSID: "WiFi@HK Secure & Fast", ServerName: pki.ServerName, CAPEM: ca}
}

func download(t *testing.T, u, wantType string) []byte {
	t.Helper()
	res, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != wantType {
		t.Fatalf("GET %s: %d %s, want 200 %s", u, res.StatusCode, res.Header.Get("Content-Type"), wantType)
	}
	return b
}

// The onboarding page and profiles for the 802.1X SSID: the page in each
// language; an Apple profile that is well-formed XML pinning the CA and
// the server name; the CA; a wpa_supplicant block.
func TestSecureNetworkOnboarding(t *testing.T) {
	sn := secureNetwork(t)
	s, _ := newPortal(t, portal.Limits{}, func(c *portal.Config) { c.Secure = sn })
	c := newBrowser(t)
	for lang, heading := range map[string]string{"en": "Join the secure network", "zh-Hant": "連接加密網絡", "zh-Hans": "连接加密网络"} {
		code, page := get(t, c, s.URL+"/portal/secure?lang="+lang)
		if code != http.StatusOK || !strings.Contains(page, heading) || !strings.Contains(page, "WiFi@HK Secure &amp; Fast") ||
			!strings.Contains(page, "radius.wifi.hk") || !strings.Contains(page, "anonymous@wifi.hk") {
			t.Fatalf("%s page (%d):\n%s", lang, code, page)
		}
	}
	der, _ := pem.Decode(sn.CAPEM)
	profile := download(t, s.URL+"/portal/secure/wifihk.mobileconfig", "application/x-apple-aspen-config")
	dec := xml.NewDecoder(strings.NewReader(string(profile)))
	for {
		_, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("profile is not well-formed XML: %v\n%s", err, profile)
		}
	}
	for _, want := range []string{base64.StdEncoding.EncodeToString(der.Bytes), "<string>radius.wifi.hk</string>",
		"<string>WiFi@HK Secure &amp; Fast</string>", "<key>PayloadCertificateAnchorUUID</key>", "<integer>21</integer>"} {
		if !strings.Contains(string(profile), want) {
			t.Errorf("profile lacks %s", want)
		}
	}
	if again := download(t, s.URL+"/portal/secure/wifihk.mobileconfig", "application/x-apple-aspen-config"); string(again) != string(profile) {
		t.Error("the profile's UUIDs change between downloads, so reinstalling would not replace it")
	}
	if ca := download(t, s.URL+"/portal/secure/ca.crt", "application/x-x509-ca-cert"); string(ca) != string(der.Bytes) {
		t.Error("ca.crt is not the CA")
	}
	wpa := download(t, s.URL+"/portal/secure/wpa_supplicant.conf", "text/plain; charset=utf-8")
	for _, want := range []string{`ssid="WiFi@HK Secure & Fast"`, `domain_match="radius.wifi.hk"`, `anonymous_identity="anonymous@wifi.hk"`, "eap=TTLS"} {
		if !strings.Contains(string(wpa), want) {
			t.Errorf("wpa_supplicant block lacks %s:\n%s", want, wpa)
		}
	}
}

func TestSecureNetworkConfigChecked(t *testing.T) {
	s, _ := newPortal(t, portal.Limits{})
	if code, _ := get(t, newBrowser(t), s.URL+"/portal/secure"); code != http.StatusNotFound {
		t.Fatalf("without a secure network: %d, want 404", code)
	}
	db := storetest.Open(t)
	sealer, _ := secrets.New(make([]byte, 32))
	reg, err := hotspots.New(db, sealer)
	if err != nil {
		t.Fatal(err)
	}
	cfg := portal.Config{NAS: reg, Visitors: visitors.New(db, sealer), DefaultPlan: hotspots.DefaultPlan(),
		Sender: portal.NewOutbox(t.TempDir(), nil)}
	good := secureNetwork(t)
	cfg.Secure = good
	if _, err := portal.New(cfg); err != nil {
		t.Fatal(err)
	}
	for name, bad := range map[string]portal.SecureNetwork{
		"no SSID":     {ServerName: "a.hk", CAPEM: good.CAPEM},
		"long SSID":   {SSID: strings.Repeat("x", 33), ServerName: "a.hk", CAPEM: good.CAPEM},
		"server name": {SSID: "x", ServerName: `a"b`, CAPEM: good.CAPEM},
		"CA":          {SSID: "x", ServerName: "a.hk", CAPEM: []byte("junk")},
	} {
		cfg.Secure = &bad
		if _, err := portal.New(cfg); err == nil || !strings.Contains(err.Error(), "secure network") {
			t.Errorf("%s: %v", name, err)
		}
	}
}
