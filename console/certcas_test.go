package console_test

import (
	"crypto/x509"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wifihk/wifihk/visitors"
	"github.com/wifihk/wifihk/visitors/orgpki/orgpkitest"
)

var caRowRE = regexp.MustCompile(`<tr data-ca="([0-9a-f]{64})">`)

// An operator brings their organisation's own CA on the certificates
// page: a certificate it signs then maps to the account its UPN names;
// a CRL revokes; the other organisation's operator neither sees nor
// removes it; every change is audited; bad uploads are refused.
func TestCertsImportOwnCA(t *testing.T) {
	a := startApp(t, appOpts{})
	vis := addMembers(t, a, "orga", "amy")
	school := orgpkitest.New(t, "Org A's AD CA")
	amy, lost := school.Issue(t, orgpkitest.Names{UPN: "amy@a.edu.hk"}), school.Issue(t, orgpkitest.Names{UPN: "amy@a.edu.hk"})
	op := client(t)
	signIn(t, op, a.URL, "op-a")
	_, page := get(t, op, a.URL+"/console/certs")
	if !strings.Contains(page, `id="no-cas"`) || !strings.Contains(page, `action="/console/certs/cas"`) {
		t.Fatalf("certificates page without the CA form:\n%s", page)
	}
	u := a.URL + "/console/certs/cas"
	form := url.Values{"org": {"orga"}, "identity": {"upn"}, "domain": {"a.edu.hk"}, "strip": {"1"}}
	for name, file := range map[string][]byte{
		"a leaf":         amy.CertPEM,
		"with its key":   append(append([]byte{}, school.PEM...), amy.KeyPEM...),
		"junk":           []byte("junk"),
		"no file at all": nil,
	} {
		fname := "ca.pem"
		if file == nil {
			fname = ""
		}
		if code, body := postFile(t, op, page, u, form, fname, file); code != http.StatusUnprocessableEntity || errorText(body) == "" {
			t.Errorf("%s: %d %q", name, code, errorText(body))
		}
	}
	if code, _ := postFile(t, op, "", u, form, "ca.pem", school.PEM); code != http.StatusForbidden {
		t.Errorf("without CSRF token: %d", code)
	}
	if _, err := vis.VerifyClientCert([]*x509.Certificate{amy.Cert}); err == nil {
		t.Fatal("a certificate of the CA passed before its import")
	}
	code, body := postFile(t, op, page, u, form, "ca.der", school.Cert.Raw)
	m := caRowRE.FindStringSubmatch(body)
	if code != http.StatusOK || m == nil || !strings.Contains(body, "upn, @a.edu.hk stripped") {
		t.Fatalf("import: %d\n%s", code, body)
	}
	id := m[1]
	if user, err := vis.VerifyClientCert([]*x509.Certificate{amy.Cert}); err != nil || user != "amy" {
		t.Fatalf("after the import: %q, %v", user, err)
	}
	if code, body := postFile(t, op, page, u, form, "ca.pem", school.PEM); code != http.StatusUnprocessableEntity || !strings.Contains(errorText(body), "already") {
		t.Errorf("importing it again: %d %q", code, errorText(body))
	}

	// Its CRL: one signed by another CA is refused, its own revokes.
	crlURL := a.URL + "/console/certs/cas/" + id + "/crl"
	now := time.Now()
	other := orgpkitest.New(t, "Other")
	if code, body := postFile(t, op, page, crlURL, url.Values{"org": {"orga"}}, "x.crl", other.CRL(t, 1, now.Add(-time.Minute), now.Add(time.Hour))); code != http.StatusUnprocessableEntity || !strings.Contains(errorText(body), "not signed by the CA") {
		t.Errorf("another CA's CRL: %d %q", code, errorText(body))
	}
	if code, _ := postFile(t, op, page, crlURL, url.Values{"org": {"orga"}}, "a.crl", school.CRL(t, 1, now.Add(-time.Minute), now.Add(time.Hour), lost.Cert)); code != http.StatusSeeOther {
		t.Fatalf("CRL upload: %d", code)
	}
	if _, err := vis.VerifyClientCert([]*x509.Certificate{lost.Cert}); !errors.Is(err, visitors.ErrCertRevoked) {
		t.Fatalf("a certificate on the CRL: %v", err)
	}
	if _, list := get(t, op, a.URL+"/console/certs"); !strings.Contains(list, "1 revoked; next update") {
		t.Errorf("the list does not show the CRL:\n%s", list)
	}

	// The other organisation's operator.
	opb := client(t)
	signIn(t, opb, a.URL, "op-b")
	_, bpage := get(t, opb, a.URL+"/console/certs")
	if strings.Contains(bpage, id) {
		t.Error("orgb's operator sees orga's CA")
	}
	if res, _ := post(t, opb, bpage, a.URL+"/console/certs/cas/"+id+"/remove", url.Values{"org": {"orga"}, "confirm": {"yes"}}); res.StatusCode != http.StatusNotFound {
		t.Errorf("orgb's operator removing orga's CA: %d", res.StatusCode)
	}
	if res, _ := post(t, opb, bpage, a.URL+"/console/certs/cas/"+id+"/remove", url.Values{"confirm": {"yes"}}); res.StatusCode != http.StatusNotFound {
		t.Errorf("orgb's operator removing orga's CA as orgb's: %d", res.StatusCode)
	}
	if code, _ := postFile(t, opb, bpage, crlURL, url.Values{"org": {"orga"}}, "a.crl", school.CRL(t, 2, now, now.Add(time.Hour))); code != http.StatusNotFound {
		t.Errorf("orgb's operator uploading orga's CRL: %d", code)
	}

	// Removed once confirmed; audited.
	_, list := get(t, op, a.URL+"/console/certs")
	confirm := confirmStep(t, op, list, a.URL+"/console/certs/cas/"+id+"/remove", url.Values{"org": {"orga"}})
	if res, _ := post(t, op, confirm, a.URL+"/console/certs/cas/"+id+"/remove", url.Values{"org": {"orga"}, "confirm": {"yes"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("remove: %d", res.StatusCode)
	}
	if _, err := vis.VerifyClientCert([]*x509.Certificate{amy.Cert}); !errors.Is(err, visitors.ErrCertUnknown) {
		t.Fatalf("after the removal: %v", err)
	}
	entries, _ := a.Registry.AuditLog("orga", 0, 5)
	if len(entries) < 3 || entries[0].Action != "cert.ca_remove" || entries[1].Action != "cert.ca_crl" || entries[2].Action != "cert.ca_import" ||
		entries[2].Object != id || entries[2].Actor != "staff:op-a" {
		t.Errorf("audit: %+v", entries)
	}

	// A viewer of the organisation reads, changes nothing.
	viewer := client(t)
	signIn(t, viewer, a.URL, "viewer")
	_, vpage := get(t, viewer, a.URL+"/console/certs?org=orga")
	if strings.Contains(vpage, `id="h-ca-import"`) {
		t.Error("a viewer is offered the import form")
	}
	if code, _ := postFile(t, viewer, vpage, u, form, "ca.pem", school.PEM); code != http.StatusForbidden {
		t.Errorf("viewer importing: %d", code)
	}
}
