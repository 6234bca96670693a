package api_test

import (
	"encoding/json"
	"encoding/pem"
	"strings"
	"testing"
	"time"

	"github.com/wifihk/wifihk/visitors/orgpki/orgpkitest"
)

// An operator brings its organisation's own CA and CRL through the API;
// bad uploads are refused naming the field, and every change is audited.
func TestOperatorImportsOwnClientCA(t *testing.T) {
	f := newFixture(t)
	school := orgpkitest.New(t, "Org A's AD CA")
	leaf := school.Issue(t, orgpkitest.Names{UPN: "amy@a.example"})
	const path = "/api/v1/orgs/orga/client-cas"
	for _, c := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"certificate": "junk!", "identity": "upn"}, "certificate"},
		{map[string]any{"certificate": string(leaf.CertPEM), "identity": "upn"}, "certificate"},
		{map[string]any{"certificate": string(school.PEM) + string(leaf.KeyPEM), "identity": "upn"}, "certificate"},
		{map[string]any{"certificate": string(school.PEM), "identity": "dn"}, "identity"},
		{map[string]any{"certificate": string(school.PEM), "identity": "upn", "strip_domain": true}, "domain"},
	} {
		if code, out := f.do(t, "opa", "POST", path, c.body); code != 422 || !strings.Contains(string(out), `"field":"`+c.field+`"`) {
			t.Errorf("%.60v: %d %s, want 422 on %s", c.body, code, out, c.field)
		}
	}
	body := map[string]any{"certificate": school.Cert.Raw, "identity": "upn", "domain": "a.example", "strip_domain": true} // DER in base64
	if code, out := f.do(t, "viewera", "POST", path, body); code != 403 {
		t.Fatalf("viewer import: %d %s", code, out)
	}
	code, out := f.do(t, "opa", "POST", path, body)
	var ca struct {
		ID       string
		Identity struct {
			Field, Domain string
			Strip         bool
		}
		CRLStale bool `json:"crl_stale"`
	}
	if err := json.Unmarshal(out, &ca); code != 201 || err != nil || len(ca.ID) != 64 || !ca.Identity.Strip || ca.Identity.Field != "upn" {
		t.Fatalf("import: %d %s", code, out)
	}
	if code, out := f.do(t, "opa", "POST", path, body); code != 409 {
		t.Fatalf("import again: %d %s", code, out)
	}
	now := time.Now()
	crl := pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: school.CRL(t, 5, now.Add(-time.Minute), now.Add(time.Hour), leaf.Cert)})
	for _, c := range []struct {
		crl  any
		want int
	}{
		{"junk!", 422},
		{f.caB.crl, 422}, // orgb's CA's CRL, not signed by this CA
		{school.CRL(t, 4, now.Add(-2*time.Hour), now.Add(-time.Hour)), 422}, // expired
		{string(crl), 200},
	} {
		if code, out := f.do(t, "opa", "PUT", path+"/"+ca.ID[:16]+"/crl", map[string]any{"crl": c.crl}); code != c.want {
			t.Errorf("CRL: %d %s, want %d", code, out, c.want)
		}
	}
	if code, out := f.do(t, "viewera", "GET", path+"/"+ca.ID, nil); code != 200 || !strings.Contains(string(out), `"revoked":1`) || !strings.Contains(string(out), `"crl_stale":false`) {
		t.Fatalf("get: %d %s", code, out)
	}
	if code, out := f.do(t, "opa", "GET", path, nil); code != 200 || !strings.Contains(string(out), `"total":1`) || strings.Contains(string(out), f.caB.id) {
		t.Fatalf("list: %d %s", code, out)
	}
	if code, out := f.do(t, "opa", "DELETE", path+"/"+ca.ID, nil); code != 204 {
		t.Fatalf("delete: %d %s", code, out)
	}
	if code, _ := f.do(t, "opa", "GET", path+"/"+ca.ID, nil); code != 404 {
		t.Fatalf("after delete: %d", code)
	}
	code, out = f.do(t, "admin", "GET", "/api/v1/audit?org=orga", nil)
	for _, action := range []string{"cert.ca_import", "cert.ca_crl", "cert.ca_remove"} {
		if code != 200 || !strings.Contains(string(out), action) {
			t.Errorf("audit has no %s: %d %s", action, code, out)
		}
	}
}
