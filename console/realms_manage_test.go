package console_test

import (
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/wifihk/wifihk/radius/radsec/radsectest"
)

// An operator adds realms of its own organisation only (whatever the
// form says), each refusal naming its field; another organisation's
// operator cannot remove them, nor can a form without its token; a
// removal asks first, and both changes are audited.
func TestRealmsAddRemoveScopedAndAudited(t *testing.T) {
	a := startApp(t, appOpts{})
	ca := radsectest.NewCA(t, "Operator A CA")
	caPEM, err := os.ReadFile(ca.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	op := client(t)
	signIn(t, op, a.URL, "op-a")
	_, page := get(t, op, a.URL+"/console/realms")
	if !strings.Contains(page, `id="realm-add"`) || strings.Contains(page, `id="org"`) {
		t.Fatal("an operator gets no add form, or one that asks for the organisation")
	}
	form := url.Values{"name": {"a.example"}, "org": {"orgb"}, "mode": {"servers"}, "transport": {"udp"},
		"servers": {"192.0.2.10:1812\nradius2.a.example:1812"}, "secret": {"home-secret"}, "timeout": {"2"}, "retries": {"1"}}
	with := func(k, v string) url.Values { return withField(form, k, v) }
	for _, tc := range []struct {
		name  string
		form  url.Values
		field string
		want  string
	}{
		{"bad name", with("name", "a..example"), "name", "label"},
		{"no servers", with("servers", " \n "), "servers", "at least one home server"},
		{"bad server", with("servers", "radius..a.example:1812"), "servers", "is not IP:PORT or HOST:PORT"},
		{"short secret", with("secret", "x"), "secret", "6-128 characters"},
		{"junk CA", func() url.Values {
			f := with("transport", "radsec")
			f.Set("secret", "")
			f.Set("ca", "junk")
			return f
		}(), "ca", "not PEM"},
		{"junk timeout", with("timeout", "soon"), "timeout", "between 0.01 and 60"},
		{"bad mode", with("mode", "elsewhere"), "", "Choose where"},
		{"dynamic with junk CA", func() url.Values { f := with("mode", "dynamic"); f.Set("ca", "junk"); return f }(), "ca", "not PEM"},
	} {
		res, body := post(t, op, page, a.URL+"/console/realms", tc.form)
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, tc.want) || strings.Contains(body, "home-secret") {
			t.Errorf("%s: %d, want 422 saying %q", tc.name, res.StatusCode, tc.want)
		}
		if tc.field != "" && !regexp.MustCompile(`id="`+tc.field+`"[^>]*aria-invalid="true"`).MatchString(body) {
			t.Errorf("%s: field %s not marked", tc.name, tc.field)
		}
	}
	if res, body := post(t, op, page, a.URL+"/console/realms", form); res.StatusCode != 200 || !strings.Contains(body, `data-realm="a.example"`) ||
		!strings.Contains(body, "radius2.a.example:1812 (udp)") {
		t.Fatalf("add: %d\n%s", res.StatusCode, body)
	}
	dyn := url.Values{"name": {"*.dyn.a.example"}, "mode": {"dynamic"}, "ca": {string(caPEM)}, "timeout": {"3"}, "retries": {"0"}}
	if res, body := post(t, op, page, a.URL+"/console/realms", dyn); res.StatusCode != 200 || !strings.Contains(body, "dynamic: RadSec servers found in the DNS") {
		t.Fatalf("add dynamic: %d\n%s", res.StatusCode, body)
	}
	all, _ := a.Registry.ListRealms("")
	if len(all) != 2 || all[1].Org != "orga" || all[1].Servers[1].Host != "radius2.a.example" || all[0].Discovery == nil || all[0].Discovery.CA != strings.TrimSpace(string(caPEM)) {
		t.Fatalf("stored %+v", all)
	}

	// orgb's operator neither sees nor removes it.
	other := client(t)
	signIn(t, other, a.URL, "op-b")
	_, otherPage := get(t, other, a.URL+"/console/realms")
	if strings.Contains(otherPage, "a.example") {
		t.Error("another organisation's operator sees the realm")
	}
	if res, _ := post(t, other, otherPage, a.URL+"/console/realms/delete", url.Values{"realm": {"a.example"}, "confirm": {"yes"}}); res.StatusCode != http.StatusNotFound {
		t.Errorf("another organisation's removal: %d", res.StatusCode)
	}
	if res, _ := post(t, op, "", a.URL+"/console/realms/delete", url.Values{"realm": {"a.example"}, "confirm": {"yes"}, "csrf": {"forged"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("remove without the form's token: %d", res.StatusCode)
	}
	_, page = get(t, op, a.URL+"/console/realms")
	confirm := confirmStep(t, op, page, a.URL+"/console/realms/delete", url.Values{"realm": {"a.example"}})
	if !strings.Contains(confirm, "Remove realm a.example?") {
		t.Errorf("the confirmation does not name the realm:\n%s", confirm)
	}
	if all, _ := a.Registry.ListRealms("orga"); len(all) != 2 {
		t.Fatal("removed before it was confirmed")
	}
	if res, _ := post(t, op, confirm, a.URL+"/console/realms/delete", url.Values{"realm": {"a.example"}, "confirm": {"yes"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("remove: %d", res.StatusCode)
	}
	if all, _ := a.Registry.ListRealms("orga"); len(all) != 1 || all[0].Name != "*.dyn.a.example" {
		t.Errorf("after removing: %+v", all)
	}
	entries, _ := a.Registry.AuditLog("orga", 0, 5)
	if len(entries) < 3 || entries[0].Action != "realm.delete" || entries[0].Object != "a.example" || entries[1].Action != "realm.create" || entries[2].Action != "realm.create" {
		t.Errorf("audit: %+v", entries)
	}
	// A viewer gets no form and may add nothing.
	viewer := client(t)
	signIn(t, viewer, a.URL, "viewer")
	_, vpage := get(t, viewer, a.URL+"/console/realms")
	if strings.Contains(vpage, `id="realm-add"`) || strings.Contains(vpage, `class="danger"`) {
		t.Error("a viewer is offered changes")
	}
	if res, _ := post(t, viewer, vpage, a.URL+"/console/realms", dyn); res.StatusCode != http.StatusForbidden {
		t.Errorf("a viewer's add: %d", res.StatusCode)
	}
}
