package console_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/wifihk/wifihk/hotspots"
)

var secretRE = regexp.MustCompile(`<code id="new-secret">([^<]+)</code>`)

func TestNASPageAddShowsSecretOnceAndKeepsToItsOrganisation(t *testing.T) {
	a := startApp(t, appOpts{})
	if _, err := a.Registry.AddNAS(hotspots.NASInput{Name: "core-wlc", IP: "10.0.0.0/16", Secret: "network-secret"}); err != nil {
		t.Fatal(err)
	}
	op := client(t)
	signIn(t, op, a.URL, "op-a")
	_, page := get(t, op, a.URL+"/console/nas")
	if strings.Contains(page, "core-wlc") || !strings.Contains(page, "No gateways yet.") {
		t.Errorf("an operator sees the network's own gateway")
	}
	form := url.Values{"name": {"lib-a1"}, "ip": {"192.0.2.10"}, "venue": {"orga/A001"}, "require_ma": {"require"}, "portal_auth": {"chap"}, "coa_port": {"3799"}}
	with := func(k, v string) url.Values { return withField(form, k, v) }
	for _, tc := range []struct {
		name  string
		form  url.Values
		field string
		want  string
	}{
		{"other org's venue", with("venue", "orgb/B001"), "venue", "not your organisation"},
		{"no venue", with("venue", ""), "venue", "must serve one of its venues"},
		{"venue not a key", with("venue", "A001"), "venue", "organisation/location ID"},
		{"wide range", with("ip", "192.0.2.0/16"), "ip", "wider than an operator may register"},
		{"junk address", with("ip", "192.0.2.300"), "ip", "is not an IP"},
		{"junk port", with("coa_port", "37a9"), "coa_port", "1 to 65535"},
		{"port 0", with("coa_port", "0"), "coa_port", "1 to 65535"},
		{"bad name", with("name", "lib a1"), "name", "letters, digits"},
		{"bad policy", with("require_ma", "sometimes"), "require_ma", "require, auto or off"},
		{"clash with the network's", with("ip", "10.0.3.4"), "", "overlapping address exists"},
	} {
		res, body := post(t, op, page, a.URL+"/console/nas", tc.form)
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, tc.want) || secretRE.MatchString(body) {
			t.Errorf("%s: %d, want 422 saying %q", tc.name, res.StatusCode, tc.want)
		}
		if tc.field != "" && !regexp.MustCompile(`id="`+tc.field+`"[^>]*aria-invalid="true"`).MatchString(body) {
			t.Errorf("%s: field %s not marked", tc.name, tc.field)
		}
		if strings.Contains(body, "core-wlc") {
			t.Errorf("%s: the refusal names the network's gateway", tc.name)
		}
	}
	res, body := post(t, op, page, a.URL+"/console/nas", form)
	m := secretRE.FindStringSubmatch(body)
	if res.StatusCode != 200 || m == nil || !strings.Contains(body, `data-nas="lib-a1"`) {
		t.Fatalf("add: %d\n%s", res.StatusCode, body)
	}
	n, err := a.Registry.NASByID("lib-a1")
	if err != nil || n.Hotspot != "orga/A001" {
		t.Fatalf("added NAS: %+v %v", n, err)
	}
	if s, err := a.Registry.Secret(n); err != nil || s != m[1] || len(s) < 32 {
		t.Errorf("the secret shown (%q) is not the one stored", m[1])
	}
	if _, again := get(t, op, a.URL+"/console/nas"); strings.Contains(again, m[1]) || secretRE.MatchString(again) {
		t.Error("the secret is shown a second time")
	}
	// The other organisation's operator neither sees nor removes it; a
	// viewer sees it but may change nothing.
	other := client(t)
	signIn(t, other, a.URL, "op-b")
	_, opage := get(t, other, a.URL+"/console/nas")
	if strings.Contains(opage, "lib-a1") {
		t.Error("orgb's operator lists orga's gateway")
	}
	if res, _ := post(t, other, opage, a.URL+"/console/nas/lib-a1/delete", url.Values{}); res.StatusCode != http.StatusNotFound {
		t.Errorf("orgb's operator removing orga's gateway: %d", res.StatusCode)
	}
	viewer := client(t)
	signIn(t, viewer, a.URL, "viewer")
	_, vpage := get(t, viewer, a.URL+"/console/nas")
	if !strings.Contains(vpage, `data-nas="lib-a1"`) || strings.Contains(vpage, `action="/console/nas"`) || strings.Contains(vpage, "/delete") {
		t.Error("a viewer's gateway page offers changes, or misses the gateway")
	}
	if res, _ := post(t, viewer, vpage, a.URL+"/console/nas/lib-a1/delete", url.Values{}); res.StatusCode != http.StatusForbidden {
		t.Errorf("viewer removing a gateway: %d", res.StatusCode)
	}
	_, page = get(t, op, a.URL+"/console/nas")
	if res, _ := post(t, op, page, a.URL+"/console/nas/lib-a1/delete", url.Values{"csrf": {"forged"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("remove without the form's token: %d", res.StatusCode)
	}
	confirm := confirmStep(t, op, page, a.URL+"/console/nas/lib-a1/delete", url.Values{})
	if !strings.Contains(confirm, "Remove gateway lib-a1?") {
		t.Errorf("the confirmation does not name the gateway:\n%s", confirm)
	}
	if _, err := a.Registry.NASByID("lib-a1"); err != nil {
		t.Fatalf("removed before it was confirmed: %v", err)
	}
	if res, _ := post(t, op, confirm, a.URL+"/console/nas/lib-a1/delete", url.Values{"confirm": {"yes"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("remove: %d", res.StatusCode)
	}
	if _, err := a.Registry.NASByID("lib-a1"); err == nil {
		t.Error("the gateway is still registered")
	}
	entries, _ := a.Registry.AuditLog("orga", 0, 5)
	if len(entries) < 2 || entries[0].Action != "nas.delete" || entries[1].Action != "nas.create" {
		t.Errorf("audit: %+v", entries)
	}
}

// withField is a copy of form with field k set to v, for one refusal each.
func withField(form url.Values, k, v string) url.Values {
	f := url.Values{}
	for kk, vv := range form {
		f[kk] = vv
	}
	f.Set(k, v)
	return f
}
