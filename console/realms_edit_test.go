package console_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/wifihk/wifihk/hotspots"
)

// An operator edits its own realm in place from its row's Edit link:
// the form comes filled (never with a secret), a rename and a new order
// are saved with each server keeping its secret, refusals name their
// field in the page's language, another organisation's operator and a
// viewer cannot, a forged form is refused, and the edit is audited.
func TestRealmEditScopedAndAudited(t *testing.T) {
	a := startApp(t, appOpts{})
	if _, err := a.Registry.AddRealm(hotspots.RealmInput{Name: "a.example", Org: "orga", Servers: []hotspots.HomeServerInput{
		{Address: "192.0.2.10:1812", Secret: "first-secret", Retries: 1}, {Address: "192.0.2.11:1812", Secret: "second-secret", Retries: 1}}}); err != nil {
		t.Fatal(err)
	}
	op := client(t)
	signIn(t, op, a.URL, "op-a")
	_, list := get(t, op, a.URL+"/console/realms")
	if !strings.Contains(list, `href="/console/realms/edit?realm=a.example"`) {
		t.Fatal("the realm's row has no Edit link")
	}
	code, page := get(t, op, a.URL+"/console/realms/edit?realm=a.example")
	if code != 200 || !strings.Contains(page, `id="realm-edit"`) || !strings.Contains(page, "192.0.2.10:1812\n192.0.2.11:1812") ||
		strings.Contains(page, "first-secret") || strings.Contains(page, `id="realm-add"`) {
		t.Fatalf("edit form: %d\n%s", code, page)
	}
	form := url.Values{"realm": {"a.example"}, "name": {"*.a.example"}, "mode": {"servers"}, "transport": {"udp"},
		"servers": {"192.0.2.11:1812\n192.0.2.10:1812"}, "timeout": {"3"}, "retries": {"1"}, "nostrip": {"1"}}
	// post fills in the page's token: each post gets its own copy.
	fresh := func() url.Values {
		f := url.Values{}
		for k, v := range form {
			f[k] = v
		}
		return f
	}
	bad := fresh()
	bad.Set("timeout", "soon")
	if res, body := post(t, op, page, a.URL+"/console/realms/edit?lang=zh-Hant", bad); res.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(body, "等候時間須介乎") || !regexp.MustCompile(`id="timeout"[^>]*aria-invalid="true"`).MatchString(body) {
		t.Errorf("junk wait: %d, want 422 in Traditional Chinese on the field", res.StatusCode)
	}
	bad = fresh()
	bad.Set("servers", "192.0.2.12:1812")
	if res, body := post(t, op, page, a.URL+"/console/realms/edit", bad); res.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(body, "6-128 characters") || !strings.Contains(body, `id="realm-edit"`) {
		t.Errorf("a new server without a secret: %d", res.StatusCode)
	}
	if res, _ := post(t, op, "", a.URL+"/console/realms/edit", withCSRF(form, "forged")); res.StatusCode != http.StatusForbidden {
		t.Errorf("edit without the form's token: %d", res.StatusCode)
	}
	other := client(t)
	signIn(t, other, a.URL, "op-b")
	if code, _ := get(t, other, a.URL+"/console/realms/edit?realm=a.example"); code != http.StatusNotFound {
		t.Errorf("another organisation's edit form: %d", code)
	}
	_, otherPage := get(t, other, a.URL+"/console/realms")
	if res, _ := post(t, other, otherPage, a.URL+"/console/realms/edit", fresh()); res.StatusCode != http.StatusNotFound {
		t.Errorf("another organisation's edit: %d", res.StatusCode)
	}
	viewer := client(t)
	signIn(t, viewer, a.URL, "viewer")
	_, vpage := get(t, viewer, a.URL+"/console/realms")
	if strings.Contains(vpage, "/realms/edit") {
		t.Error("a viewer is offered an edit")
	}
	if res, _ := post(t, viewer, vpage, a.URL+"/console/realms/edit", fresh()); res.StatusCode != http.StatusForbidden {
		t.Errorf("a viewer's edit: %d", res.StatusCode)
	}
	if all, _ := a.Registry.ListRealms("orga"); len(all) != 1 || all[0].Name != "a.example" {
		t.Fatalf("changed by a refused edit: %+v", all)
	}

	_, page = get(t, op, a.URL+"/console/realms/edit?realm=a.example")
	res, body := post(t, op, page, a.URL+"/console/realms/edit?lang=en", fresh())

	if res.StatusCode != 200 || !strings.Contains(body, "Realm *.a.example saved.") || !strings.Contains(body, `data-realm="*.a.example"`) {
		t.Fatalf("edit: %d\n%s", res.StatusCode, body)
	}
	rt, ok := a.Registry.RouteRealm("x.a.example")
	if !ok || !rt.NoStrip || len(rt.Servers) != 2 || rt.Servers[0].Secret != "second-secret" || rt.Servers[1].Secret != "first-secret" {
		t.Fatalf("route after the edit: %+v", rt)
	}
	entries, _ := a.Registry.AuditLog("orga", 0, 1)
	if len(entries) != 1 || entries[0].Action != "realm.update" || entries[0].Object != "*.a.example" || !strings.Contains(entries[0].Detail, "was=a.example") {
		t.Errorf("audit: %+v", entries)
	}
}

func withCSRF(f url.Values, token string) url.Values {
	out := url.Values{"csrf": {token}}
	for k, v := range f {
		out[k] = v
	}
	return out
}
