package console_test

import (
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"software.sslmate.com/src/go-pkcs12"

	"github.com/wifihk/wifihk/internal/browsertest"
	"github.com/wifihk/wifihk/visitors"
	"github.com/wifihk/wifihk/visitors/orgpki"
	"github.com/wifihk/wifihk/visitors/orgpki/orgpkitest"
)

// TestBrowserDeviceCertificates is an operator handing a device
// certificate to a member in Chromium: the page at desktop and phone
// widths in the three languages (axe-core clean, nothing scrolling
// sideways), a certificate issued through the form, its PKCS#12 file
// downloaded by clicking its link and opened with the password on the
// page, then revoked with its button; the organisation's own CAs listed
// with their forms.
func TestBrowserDeviceCertificates(t *testing.T) {
	a := startApp(t, appOpts{})
	vis := addMembers(t, a, "orga", "amy")
	ctx := slowBrowser(t, 1440, 900)
	axe := browsertest.AxeScript(t)
	shots := browsertest.ShotDir(t)
	signInBrowser(t, ctx, a.URL, "op-a")

	do(t, ctx, "issue", chromedp.Navigate(a.URL+"/console/certs?lang=en"), chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.SendKeys(chromedp.ID("username"), "amy"), chromedp.SetValue(chromedp.ID("valid_days"), "90"),
		chromedp.Click(chromedp.CSS(`form.stack button[type=submit]`)), chromedp.WaitVisible(chromedp.ID("p12-password")))
	browsertest.NoSeriousViolations(ctx, t, axe, "certificate issued")
	browsertest.Screenshot(ctx, t, shots, "cert-issued-en-1440.png")
	pw := text(t, ctx, "#p12-password")
	name, file := browsertest.AllowDownloads(t, ctx).Click(t, "#p12-download")
	if name != "amy.p12" {
		t.Errorf("the file downloads as %q", name)
	}
	_, leaf, _, err := pkcs12.DecodeChain(file, pw)
	if err != nil {
		t.Fatalf("the downloaded file does not open with the password on the page: %v", err)
	}
	if user, err := vis.VerifyClientCert([]*x509.Certificate{leaf}); err != nil || user != "amy" {
		t.Fatalf("the downloaded certificate maps to %q, %v", user, err)
	}

	// The organisation's own CA, with its CRL, is listed with its forms.
	school := orgpkitest.New(t, "Org A's AD CA")
	ca, err := vis.ImportCA("orga", school.PEM, orgpki.Rule{Field: orgpki.FieldUPN, Domain: "a.edu.hk", Strip: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := vis.SetCRL("orga", ca.ID, school.CRL(t, 1, time.Now().Add(-time.Minute), time.Now().Add(time.Hour))); err != nil {
		t.Fatal(err)
	}

	// Every width and language; the password is not shown again.
	for _, width := range []int{1440, 390} {
		if width == 390 {
			do(t, ctx, "phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch))
		}
		for _, lang := range []string{"en", "zh-Hant", "zh-Hans"} {
			shot := fmt.Sprintf("certs-%s-%d", lang, width)
			do(t, ctx, shot, chromedp.Navigate(a.URL+"/console/certs?lang="+lang), chromedp.WaitVisible(chromedp.ID("cert-list")), chromedp.WaitVisible(chromedp.ID("ca-list")))
			browsertest.NoSeriousViolations(ctx, t, axe, shot)
			browsertest.Screenshot(ctx, t, shots, shot+".png")
			if eval[bool](t, ctx, "document.documentElement.scrollWidth > window.innerWidth") {
				t.Errorf("%s scrolls sideways", shot)
			}
			if strings.Contains(eval[string](t, ctx, "document.body.innerHTML"), pw) {
				t.Errorf("%s shows the password again", shot)
			}
		}
	}

	// Revoked on the phone, in English.
	do(t, ctx, "revoke", chromedp.Navigate(a.URL+"/console/certs?lang=en"), chromedp.WaitVisible(chromedp.ID("cert-list")),
		chromedp.Click(chromedp.CSS(`#cert-list button.danger`)), chromedp.WaitVisible(chromedp.ID("confirm")),
		chromedp.Click(chromedp.ID("confirm")), chromedp.WaitVisible(chromedp.ID("cert-list")), chromedp.WaitNotPresent(chromedp.CSS(`#cert-list button.danger`)))
	if state := text(t, ctx, "#cert-list tbody tr td:nth-of-type(4)"); !strings.HasPrefix(state, "revoked") {
		t.Errorf("state after revoking: %q", state)
	}
	if _, err := vis.VerifyClientCert([]*x509.Certificate{leaf}); !errors.Is(err, visitors.ErrCertRevoked) {
		t.Errorf("after revoking in the browser: %v", err)
	}
	browsertest.NoSeriousViolations(ctx, t, axe, "certificate revoked")
	browsertest.Screenshot(ctx, t, shots, "cert-revoked-en-390.png")
}
