package controller_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"howett.net/plist"

	"github.com/wifihk/wifihk/controller"
	"github.com/wifihk/wifihk/controller/config"
	"github.com/wifihk/wifihk/controller/controllertest"
	"github.com/wifihk/wifihk/internal/browsertest"
	"github.com/wifihk/wifihk/radius/eap"
)

// TestBrowserSecureOnboarding is a visitor setting a device up for the
// secure SSID in Chromium: the onboarding page at phone and desktop
// widths in the three languages (axe-core clean, nothing scrolling
// sideways), then the Apple profile, the CA and the wpa_supplicant block
// downloaded by clicking their links. The profile must be a property list
// that pins the CA, the SSID and the server name; the CA must be the one
// the EAP server's certificate chains to; and the wpa_supplicant block,
// with the downloaded CA and the demo account filled in, must get SUCCESS
// from eapol_test against the running server.
func TestBrowserSecureOnboarding(t *testing.T) {
	eapol, err := exec.LookPath("eapol_test")
	browsertest.Need(t, "eapol_test (Debian eapoltest)", err == nil)
	var pki eap.DemoPKI
	a := controllertest.Start(t, controllertest.Options{Demo: true, Configure: func(c *config.Config) {
		if pki, _, err = controller.DemoEAP(c); err != nil {
			t.Fatal(err)
		}
	}})
	base := "http://" + a.HTTPAddr.String()
	ctx := browsertest.Start(t, browsertest.Options{Width: 1440, Height: 900})
	ctx, cancel := context.WithTimeout(ctx, 120*time.Second)
	defer cancel()
	axe := browsertest.AxeScript(t)
	shots := browsertest.ShotDir(t)
	t.Logf("screenshots in %s", shots)

	for _, width := range []int{390, 1440} {
		view := chromedp.EmulateViewport(1440, 900)
		if width == 390 {
			view = chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch)
		}
		for _, l := range []struct{ lang, h1 string }{{"en", "Join the secure network"}, {"zh-Hant", "連接加密網絡"}, {"zh-Hans", "连接加密网络"}} {
			name := fmt.Sprintf("secure-%s-%d", l.lang, width)
			browsertest.Do(t, ctx, name, view, chromedp.Navigate(base+"/portal/secure?lang="+l.lang), chromedp.WaitVisible(chromedp.ID("apple-profile")))
			if h1 := browsertest.Text(t, ctx, "h1"); h1 != l.h1 {
				t.Errorf("%s: h1 %q, want %q", name, h1, l.h1)
			}
			if s := browsertest.Text(t, ctx, "#server-name"); s != pki.ServerName {
				t.Errorf("%s: server name %q, want %q", name, s, pki.ServerName)
			}
			vs, err := browsertest.Axe(ctx, axe)
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range vs { // the portal's bar: no violation at all
				t.Errorf("axe on %s: %s", name, v)
			}
			browsertest.Screenshot(ctx, t, shots, name+".png")
			if wide, _ := chromedp.Run(ctx, chromedp.Evaluate[bool]("document.documentElement.scrollWidth > window.innerWidth")); wide {
				t.Errorf("%s scrolls sideways", name)
			}
		}
	}

	dl := browsertest.AllowDownloads(t, ctx)
	files := map[string][]byte{}
	for sel, want := range map[string]string{"#apple-profile": "wifihk.mobileconfig", "#ca-cert": "wifihk-ca.crt", "#wpa-conf": "wifihk-wpa_supplicant.conf"} {
		name, data := dl.Click(t, sel)
		if name != want {
			t.Errorf("%s downloads as %q, want %q", sel, name, want)
		}
		files[want] = data
	}
	profile, caDER, wpa := files["wifihk.mobileconfig"], files["wifihk-ca.crt"], files["wifihk-wpa_supplicant.conf"]

	ca, err := x509.ParseCertificate(caDER)
	if err != nil || !ca.IsCA {
		t.Fatalf("the downloaded CA is not an X.509 CA certificate (%v)", err)
	}
	serverCertIsFrom(t, a.Config.RADIUS.EAP.Cert, a.Config.RADIUS.EAP.Key, ca, pki.ServerName)
	checkAppleProfile(t, profile, ca, a.Config.RADIUS.EAP.SSID, pki.ServerName)

	// The block as the visitor would fill it in, with the CA where they
	// saved it, fed to eapol_test against the running server.
	caFile := filepath.Join(t.TempDir(), "wifihk-ca.crt")
	if err := os.WriteFile(caFile, caDER, 0o644); err != nil {
		t.Fatal(err)
	}
	conf := fillIn(t, string(wpa), map[string]string{
		`identity="YOUR ACCOUNT"`: `identity="demo"`, `password="YOUR PASSWORD"`: `password="demo1234"`,
		`ca_cert="/etc/wpa_supplicant/wifihk-ca.crt"`: fmt.Sprintf("ca_cert=%q", caFile)})
	confFile := filepath.Join(t.TempDir(), "wpa.conf")
	if err := os.WriteFile(confFile, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	port := a.AuthAddr.(*net.UDPAddr).Port
	out, err := exec.Command(eapol, "-c", confFile, "-a", "127.0.0.1", "-p", fmt.Sprint(port), "-s", "testing123", "-t", "10").CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("SUCCESS")) || !bytes.Contains(out, []byte("MPPE keys OK: 1  mismatch: 0")) {
		t.Fatalf("eapol_test with the downloaded block: %v, want SUCCESS and MPPE keys OK:\n%s\n%s", err, conf, lastLines(out, 40))
	}
}

// serverCertIsFrom checks that the EAP server's certificate (its files
// as configured) chains to ca for serverName.
func serverCertIsFrom(t *testing.T, certFile, keyFile string, ca *x509.Certificate, serverName string) {
	t.Helper()
	pair, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: roots, DNSName: serverName}); err != nil {
		t.Errorf("the EAP server's certificate does not chain to the downloaded CA for %s: %v", serverName, err)
	}
}

// appleProfile is what the test reads of a .mobileconfig.
type appleProfile struct {
	PayloadType    string
	PayloadUUID    string
	PayloadContent []struct {
		PayloadType    string
		PayloadUUID    string
		PayloadContent []byte // the root payload's certificate (DER)
		SSID           string `plist:"SSID_STR"`
		AutoJoin       bool
		EncryptionType string
		EAP            struct {
			AcceptEAPTypes               []int
			TTLSInnerAuthentication      string
			OuterIdentity                string
			PayloadCertificateAnchorUUID []string
			TLSTrustedServerNames        []string
		} `plist:"EAPClientConfiguration"`
	}
}

// checkAppleProfile parses the profile as a property list and checks that
// its Wi-Fi payload joins ssid, trusting only ca (by the anchor UUID of
// the root payload that carries it) and only serverName.
func checkAppleProfile(t *testing.T, b []byte, ca *x509.Certificate, ssid, serverName string) {
	t.Helper()
	var p appleProfile
	format, err := plist.Unmarshal(b, &p)
	if err != nil || format != plist.XMLFormat || p.PayloadType != "Configuration" {
		t.Fatalf("the profile is not an XML property list of a configuration (%v, format %d, type %q)", err, format, p.PayloadType)
	}
	rootUUID := ""
	for _, pl := range p.PayloadContent {
		if pl.PayloadType == "com.apple.security.root" && bytes.Equal(pl.PayloadContent, ca.Raw) {
			rootUUID = pl.PayloadUUID
		}
	}
	if rootUUID == "" {
		t.Error("the profile has no root payload with the downloaded CA")
	}
	wifi := 0
	for _, pl := range p.PayloadContent {
		if pl.PayloadType == "com.apple.wifi.managed" {
			wifi++
			if pl.SSID != ssid || !pl.AutoJoin || pl.EncryptionType != "WPA2" {
				t.Errorf("Wi-Fi payload: SSID %q AutoJoin %v encryption %q, want %q true WPA2", pl.SSID, pl.AutoJoin, pl.EncryptionType, ssid)
			}
			e := pl.EAP
			if !slices.Equal(e.TLSTrustedServerNames, []string{serverName}) || !slices.Contains(e.AcceptEAPTypes, 21) ||
				e.TTLSInnerAuthentication != "PAP" || e.OuterIdentity != "anonymous@wifi.hk" {
				t.Errorf("EAP settings: %+v", e)
			}
			if len(e.PayloadCertificateAnchorUUID) != 1 || e.PayloadCertificateAnchorUUID[0] != rootUUID {
				t.Errorf("the Wi-Fi payload pins %v, not the root payload %q", e.PayloadCertificateAnchorUUID, rootUUID)
			}
		}
	}
	if wifi != 1 {
		t.Errorf("%d Wi-Fi payloads, want 1", wifi)
	}
}

// fillIn replaces each line of block that holds an old setting with the
// new one, failing when a setting is missing.
func fillIn(t *testing.T, block string, settings map[string]string) string {
	t.Helper()
	lines := strings.Split(block, "\n")
	for old, repl := range settings {
		i := slices.IndexFunc(lines, func(l string) bool { return strings.TrimSpace(l) == old })
		if i < 0 {
			t.Fatalf("the wpa_supplicant block has no line %s:\n%s", old, block)
		}
		lines[i] = "\t" + repl
	}
	return strings.Join(lines, "\n")
}

func lastLines(b []byte, n int) string {
	lines := strings.Split(string(b), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
