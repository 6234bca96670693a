package console_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/wifihk/wifihk/hotspots"
)

func TestSignedOutGoesToSignIn(t *testing.T) {
	a := startApp(t, appOpts{})
	c := client(t)
	res, err := c.Get(a.URL + "/console/venues")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/console/login?next=%2Fconsole%2Fvenues" {
		t.Fatalf("signed out: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	code, body := get(t, c, a.URL+"/console/login")
	if code != 200 || !strings.Contains(body, `autocomplete="current-password"`) {
		t.Fatalf("login page: %d", code)
	}
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("CSP %q", csp)
	}
}

func TestSignInFailsWithoutCSRFOrWithWrongPassword(t *testing.T) {
	a := startApp(t, appOpts{})
	c := client(t)
	_, page := get(t, c, a.URL+"/console/login")
	res, _ := post(t, c, "", a.URL+"/console/login", url.Values{"username": {"admin"}, "password": {"password-123"}, "csrf": {"forged"}})
	if res.StatusCode != http.StatusForbidden {
		t.Fatalf("forged CSRF token: %d", res.StatusCode)
	}
	res, body := post(t, c, page, a.URL+"/console/login", url.Values{"username": {"admin"}, "password": {"wrong-password"}})
	if res.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "Wrong username or password") {
		t.Fatalf("wrong password: %d", res.StatusCode)
	}
	// A post-login redirect never leaves the console.
	for _, next := range []string{"//evil.example/", "https://evil.example/", "/console/../api/v1/me", "/elsewhere"} {
		c := client(t)
		_, page := get(t, c, a.URL+"/console/login")
		res, _ := post(t, c, page, a.URL+"/console/login", url.Values{"username": {"admin"}, "password": {"password-123"}, "next": {next}})
		if loc := res.Header.Get("Location"); loc != "/console/coverage" {
			t.Errorf("next=%q redirected to %q", next, loc)
		}
	}
}

func TestOperatorSeesOnlyTheirOrganisation(t *testing.T) {
	a := startApp(t, appOpts{})
	c := client(t)
	signIn(t, c, a.URL, "op-a")
	if code, _ := get(t, c, a.URL+"/console/venues/orgb/B001"); code != http.StatusNotFound {
		t.Errorf("operator of orga reading orgb's venue: %d, want 404", code)
	}
	code, body := get(t, c, a.URL+"/console/venues/orga/A001")
	if code != 200 || !strings.Contains(body, "Venue of orga") {
		t.Fatalf("own venue: %d", code)
	}
	_, list := get(t, c, a.URL+"/console/venues")
	if !strings.Contains(list, "orga/A001") || strings.Contains(list, "orgb/B001") {
		t.Errorf("venue list of an operator shows other organisations' venues")
	}
	_, cov := get(t, c, a.URL+"/console/coverage")
	if strings.Contains(cov, `data-venue="orgb/B001"`) || !strings.Contains(cov, `data-venue="orga/A001"`) {
		t.Errorf("operator's map shows other organisations' venues")
	}
	// Registering a venue "for orgb" registers it for the operator's own.
	_, form := get(t, c, a.URL+"/console/venues/new")
	res, body := post(t, c, form, a.URL+"/console/venues/new", url.Values{"organisation_code": {"orgb"}, "location_id": {"A002"},
		"name_en": {"Second"}, "latitude": {"22.28"}, "longitude": {"114.18"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/console/venues/orga/A002?saved=1" {
		t.Fatalf("operator registering a venue: %d %s %s", res.StatusCode, res.Header.Get("Location"), body)
	}
	// Nor can they add an AP to another organisation's venue.
	res, _ = post(t, c, form, a.URL+"/console/venues/orgb/B001", url.Values{"action": {"add_ap"}, "ap_name": {"x"}, "ap_mac": {"02:00:00:00:00:01"}})
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("AP at another organisation's venue: %d", res.StatusCode)
	}
	// A viewer reads everything and changes nothing.
	v := client(t)
	signIn(t, v, a.URL, "viewer")
	_, page := get(t, v, a.URL+"/console/venues/orgb/B001")
	if strings.Contains(page, `name="action" value="add_ap"`) {
		t.Error("a viewer is offered the AP form")
	}
	res, _ = post(t, v, page, a.URL+"/console/venues/orgb/B001", url.Values{"action": {"add_ap"}, "ap_name": {"x"}, "ap_mac": {"02:00:00:00:00:01"}})
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("viewer adding an AP: %d", res.StatusCode)
	}
}

var viewBoxRE = regexp.MustCompile(`<svg[^>]*class="map (z\d+)" viewBox="([^"]+)"`)

func TestCoverageMapAndDistrictTable(t *testing.T) {
	a := startApp(t, appOpts{demo: true})
	c := client(t)
	signIn(t, c, a.URL, "admin")
	code, body := get(t, c, a.URL+"/console/coverage")
	if code != 200 {
		t.Fatalf("coverage: %d", code)
	}
	_, total, _ := a.Registry.ListVenues(hotspots.VenueFilter{}, 0, 0)
	if n := strings.Count(body, "data-venue="); n != total {
		t.Errorf("%d points for %d venues", n, total)
	}
	if n := strings.Count(body, `<th scope="row"><a href="/console/coverage?district=`); n != 18 {
		t.Errorf("district table has %d rows", n)
	}
	m := viewBoxRE.FindStringSubmatch(body)
	if m == nil || m[1] != "z1" || m[2] != "0 0 1000 726" {
		t.Fatalf("whole map view: %v", m)
	}
	_, zoomed := get(t, c, a.URL+"/console/coverage?district=Sha+Tin")
	z := viewBoxRE.FindStringSubmatch(zoomed)
	if z == nil || z[1] == "z1" || z[2] == m[2] {
		t.Errorf("zoom to Sha Tin: %v", z)
	}
	if code, _ := get(t, c, a.URL+"/console/coverage?district=Atlantis"); code != http.StatusNotFound {
		t.Errorf("unknown district: %d", code)
	}
	// Browsers that take gzip get it (Go's client asks and unpacks).
	res, err := c.Get(a.URL + "/console/coverage")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if !res.Uncompressed {
		t.Error("coverage page not gzipped for a client that accepts it")
	}
	_, zh := get(t, c, a.URL+"/console/coverage?lang=zh-Hant")
	if !strings.Contains(zh, `<html lang="zh-Hant-HK">`) || !strings.Contains(zh, "沙田區") {
		t.Error("Traditional Chinese coverage page")
	}
}
