package console_test

import (
	"crypto/x509"
	"encoding/base64"
	"errors"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"software.sslmate.com/src/go-pkcs12"

	"github.com/wifihk/wifihk/visitors"
)

var (
	p12PasswordRE = regexp.MustCompile(`<code id="p12-password">([^<]+)</code>`)
	p12HrefRE     = regexp.MustCompile(`id="p12-download" href="data:application/x-pkcs12;base64,([^"]+)" download="([^"]+)"`)
	serialRE      = regexp.MustCompile(`<tr data-serial="([0-9a-f]+)">`)
)

// addMembers adds visitor accounts of an organisation.
func addMembers(t *testing.T, a *testApp, org string, names ...string) *visitors.Store {
	t.Helper()
	vis := visitors.New(a.DB, a.Sealer)
	for _, n := range names {
		if _, err := vis.AddAccount(visitors.AccountInput{Username: n, Password: n + "-pass-1", Org: org}); err != nil {
			t.Fatal(err)
		}
	}
	return vis
}

// issuedP12 reads the PKCS#12 file and its password off an issue's answer.
func issuedP12(t *testing.T, page string) (file []byte, name, password string) {
	t.Helper()
	pw, href := p12PasswordRE.FindStringSubmatch(page), p12HrefRE.FindStringSubmatch(page)
	if pw == nil || href == nil {
		t.Fatalf("no PKCS#12 file and password on the answer:\n%s", page)
	}
	file, err := base64.StdEncoding.DecodeString(html.UnescapeString(href[1]))
	if err != nil {
		t.Fatal(err)
	}
	return file, href[2], html.UnescapeString(pw[1])
}

// An operator issues a certificate for an account of their organisation:
// the answer holds a PKCS#12 file that opens with the password shown
// with it, whose certificate the EAP server maps to the account. Neither
// shows again; revoking refuses the certificate; both are audited.
func TestCertsIssueListRevoke(t *testing.T) {
	a := startApp(t, appOpts{})
	vis := addMembers(t, a, "orga", "amy")
	addMembers(t, a, "orgb", "bob")
	op := client(t)
	signIn(t, op, a.URL, "op-a")
	code, page := get(t, op, a.URL+"/console/certs")
	if code != http.StatusOK || !strings.Contains(page, `id="no-certs"`) || !strings.Contains(page, `action="/console/certs"`) || strings.Contains(page, `id="org-pick"`) {
		t.Fatalf("certificates page (%d):\n%s", code, page)
	}
	res, body := post(t, op, page, a.URL+"/console/certs", url.Values{"username": {"amy"}, "valid_days": {"30"}})
	if res.StatusCode != http.StatusOK || res.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("issue: %d %q\n%s", res.StatusCode, res.Header.Get("Cache-Control"), body)
	}
	file, name, pw := issuedP12(t, body)
	if name != "amy.p12" {
		t.Errorf("file offered as %q", name)
	}
	key, leaf, cas, err := pkcs12.DecodeChain(file, pw)
	if err != nil || key == nil || len(cas) != 1 {
		t.Fatalf("the file does not open with the password shown: %v", err)
	}
	if user, err := vis.VerifyClientCert([]*x509.Certificate{leaf, cas[0]}); err != nil || user != "amy" {
		t.Fatalf("the certificate maps to %q, %v", user, err)
	}
	serial := leaf.SerialNumber.Text(16)

	// Listed, and never shown again.
	_, list := get(t, op, a.URL+"/console/certs")
	if m := serialRE.FindStringSubmatch(list); m == nil || m[1] != serial {
		t.Fatalf("list does not show serial %s:\n%s", serial, list)
	}
	if strings.Contains(list, pw) || strings.Contains(list, "x-pkcs12") {
		t.Error("the list shows the password or the file again")
	}

	// The other organisation's operator neither sees, revokes nor issues it.
	other := client(t)
	signIn(t, other, a.URL, "op-b")
	_, otherPage := get(t, other, a.URL+"/console/certs")
	if strings.Contains(otherPage, serial) {
		t.Error("orgb's operator sees orga's certificate")
	}
	if code, _ := get(t, other, a.URL+"/console/certs?org=orga"); code != http.StatusNotFound {
		t.Errorf("orgb's operator asking for orga's list: %d", code)
	}
	if res, _ := post(t, other, otherPage, a.URL+"/console/certs/"+serial+"/revoke", url.Values{"org": {"orga"}}); res.StatusCode != http.StatusNotFound {
		t.Errorf("orgb's operator revoking orga's certificate: %d", res.StatusCode)
	}
	if res, _ := post(t, other, otherPage, a.URL+"/console/certs/"+serial+"/revoke", url.Values{}); res.StatusCode != http.StatusNotFound {
		t.Errorf("orgb's operator revoking orga's serial as orgb's: %d", res.StatusCode)
	}
	res, refused := post(t, other, otherPage, a.URL+"/console/certs", url.Values{"username": {"amy"}, "valid_days": {"30"}})
	if res.StatusCode != http.StatusUnprocessableEntity || strings.Contains(refused, "p12-password") {
		t.Errorf("orgb's operator issuing for orga's account: %d", res.StatusCode)
	}
	_, unknown := post(t, other, otherPage, a.URL+"/console/certs", url.Values{"username": {"nobody"}, "valid_days": {"30"}})
	if errorText(refused) != errorText(unknown) {
		t.Errorf("another organisation's account is refused as %q, an unknown one as %q", errorText(refused), errorText(unknown))
	}
	if _, err := vis.VerifyClientCert([]*x509.Certificate{leaf}); err != nil {
		t.Fatalf("orgb's attempts changed orga's certificate: %v", err)
	}

	// Bad validity, and a form without its CSRF token, change nothing.
	if res, _ := post(t, op, list, a.URL+"/console/certs", url.Values{"username": {"amy"}, "valid_days": {"0"}}); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("validity 0 days: %d", res.StatusCode)
	}
	if res, _ := post(t, op, "", a.URL+"/console/certs/"+serial+"/revoke", url.Values{}); res.StatusCode != http.StatusForbidden {
		t.Errorf("revoke without CSRF token: %d", res.StatusCode)
	}
	if certs, _ := vis.ClientCerts("orga"); len(certs) != 1 || !certs[0].Revoked.IsZero() {
		t.Fatalf("after refused forms: %+v", certs)
	}

	// Revoked by its operator: refused from now on, shown so.
	confirm := confirmStep(t, op, list, a.URL+"/console/certs/"+serial+"/revoke", url.Values{"org": {"orga"}})
	if certs, _ := vis.ClientCerts("orga"); len(certs) != 1 || !certs[0].Revoked.IsZero() {
		t.Fatalf("revoked before it was confirmed: %+v", certs)
	}
	res, _ = post(t, op, confirm, a.URL+"/console/certs/"+serial+"/revoke", url.Values{"org": {"orga"}, "confirm": {"yes"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/console/certs?org=orga" {
		t.Fatalf("revoke: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	if _, err := vis.VerifyClientCert([]*x509.Certificate{leaf}); !errors.Is(err, visitors.ErrCertRevoked) {
		t.Fatalf("after revoking: %v", err)
	}
	if _, after := get(t, op, a.URL+"/console/certs"); !strings.Contains(after, "revoked") || strings.Contains(after, "certs/"+serial+"/revoke") {
		t.Error("the list does not show the certificate revoked")
	}
	entries, _ := a.Registry.AuditLog("orga", 0, 5)
	if len(entries) < 2 || entries[0].Action != "cert.revoke" || entries[0].Object != serial || entries[1].Action != "cert.issue" ||
		entries[1].Object != serial || entries[1].Actor != "staff:op-a" || !strings.Contains(entries[1].Detail, "account=amy") {
		t.Errorf("audit: %+v", entries)
	}
	for _, e := range entries {
		if strings.Contains(e.Detail, pw) {
			t.Error("the password is in the audit log")
		}
	}
}

// errorText is the error paragraph of a page.
func errorText(page string) string {
	m := regexp.MustCompile(`<p class="error" role="alert">([^<]*)</p>`).FindStringSubmatch(page)
	if m == nil {
		return ""
	}
	return m[1]
}

// Network-wide staff choose the organisation; a viewer reads and changes
// nothing.
func TestCertsAdminAndViewer(t *testing.T) {
	a := startApp(t, appOpts{})
	addMembers(t, a, "orgb", "bob")
	admin := client(t)
	signIn(t, admin, a.URL, "admin")
	_, page := get(t, admin, a.URL+"/console/certs")
	if !strings.Contains(page, `id="org-pick"`) || strings.Contains(page, `id="h-issue"`) {
		t.Fatalf("admin's page without an organisation:\n%s", page)
	}
	if code, _ := get(t, admin, a.URL+"/console/certs?org=nosuch"); code != http.StatusNotFound {
		t.Errorf("an unknown organisation: %d", code)
	}
	_, page = get(t, admin, a.URL+"/console/certs?org=orgb")
	res, body := post(t, admin, page, a.URL+"/console/certs", url.Values{"org": {"orgb"}, "username": {"bob"}, "valid_days": {"365"}})
	if res.StatusCode != http.StatusOK {
		t.Fatalf("admin issuing for orgb: %d", res.StatusCode)
	}
	issuedP12(t, body)
	if res, _ := post(t, admin, page, a.URL+"/console/certs", url.Values{"username": {"bob"}, "valid_days": {"365"}}); res.StatusCode != http.StatusNotFound {
		t.Errorf("admin issuing without an organisation: %d", res.StatusCode)
	}

	viewer := client(t)
	signIn(t, viewer, a.URL, "viewer")
	_, vpage := get(t, viewer, a.URL+"/console/certs?org=orgb")
	if !strings.Contains(vpage, `<tr data-serial=`) || strings.Contains(vpage, `id="h-issue"`) || strings.Contains(vpage, "/revoke") {
		t.Fatalf("viewer's page:\n%s", vpage)
	}
	if res, _ := post(t, viewer, vpage, a.URL+"/console/certs", url.Values{"org": {"orgb"}, "username": {"bob"}, "valid_days": {"365"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("viewer issuing: %d", res.StatusCode)
	}
	serial := serialRE.FindStringSubmatch(vpage)[1]
	if res, _ := post(t, viewer, vpage, a.URL+"/console/certs/"+serial+"/revoke", url.Values{"org": {"orgb"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("viewer revoking: %d", res.StatusCode)
	}
}
