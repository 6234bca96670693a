package console_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/wifihk/wifihk/controller"
	"github.com/wifihk/wifihk/controller/config"
	"github.com/wifihk/wifihk/controller/controllertest"
	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/hotspots/realvenues"
	"github.com/wifihk/wifihk/staff"
)

type appOpts struct {
	demo      bool
	realData  bool
	configure func(*config.Config)
}

type testApp struct {
	*controller.App
	URL string
}

// startApp runs a whole controller on loopback ports with a fresh store:
// the demo seed when asked, the real open data when asked, and staff accounts admin, op-a (operator of orga)
// and op-b (operator of orgb), each with password "password-123".
func startApp(t testing.TB, o appOpts) *testApp {
	t.Helper()
	var data []byte
	if o.realData {
		data = realvenues.CSV()
	}
	a := controllertest.Start(t, controllertest.Options{Demo: o.demo, Configure: o.configure, Prepare: func(a *controller.App) {
		if data != nil {
			res, err := a.Registry.Import(context.Background(), data, hotspots.ImportOptions{})
			if err != nil || res.Imported != 5430 {
				t.Fatalf("import: %+v %v", res.Imported, err)
			}
		}
		seedOrgs(t, a)
	}})
	return &testApp{App: a, URL: "http://" + a.HTTPAddr.String()}
}

// seedOrgs adds two organisations with a venue each and the staff.
func seedOrgs(t testing.TB, a *controller.App) {
	t.Helper()
	for _, o := range []struct{ code, id, district string }{{"orga", "A001", "Wan Chai"}, {"orgb", "B001", "Sha Tin"}} {
		if _, err := a.Registry.AddOrg(hotspots.Org{Code: o.code, NameEN: "Org " + o.code}); err != nil {
			t.Fatal(err)
		}
		d, _ := hotspots.LookupDistrict(o.district)
		_, err := a.Registry.AddVenue(hotspots.Venue{Org: o.code, LocationID: o.id, NameEN: "Venue of " + o.code,
			TypeEN: "Library", AddressEN: "1 Test Road", Latitude: d.Lat, Longitude: d.Lon, SSID: "WiFi@HK", Hotspots: 2})
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, s := range []staff.StaffInput{
		{Username: "admin", Role: staff.RoleAdmin, Password: "password-123"},
		{Username: "op-a", Role: staff.RoleOperator, Org: "orga", Password: "password-123"},
		{Username: "op-b", Role: staff.RoleOperator, Org: "orgb", Password: "password-123"},
		{Username: "viewer", Role: staff.RoleViewer, Password: "password-123"},
	} {
		if _, err := a.Staff.Staff(s.Username); err == nil { // -demo seeds its own admin
			if _, err := a.Staff.UpdateStaff(s.Username, staff.StaffUpdate{Role: &s.Role, Password: &s.Password}); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if _, _, err := a.Staff.AddStaff(s); err != nil {
			t.Fatal(err)
		}
	}
}

// client is a cookie-keeping HTTP client that does not follow redirects.
func client(t testing.TB) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// get fetches a page and returns its status and body.
func get(t testing.TB, c *http.Client, u string) (int, string) {
	t.Helper()
	res, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// post submits a form from page (whose CSRF token it reuses) to u.
func post(t testing.TB, c *http.Client, page, u string, form url.Values) (*http.Response, string) {
	t.Helper()
	if m := csrfRE.FindStringSubmatch(page); m != nil && form.Get("csrf") == "" {
		form.Set("csrf", m[1])
	}
	req, _ := http.NewRequest("POST", u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

// confirmStep posts a remove or revoke form from page without its
// confirmation: the answer must be the confirmation page, with a form that
// posts the same action again with confirm=yes. It returns that page.
func confirmStep(t testing.TB, c *http.Client, page, u string, form url.Values) string {
	t.Helper()
	res, body := post(t, c, page, u, form)
	action := strings.TrimPrefix(u, "http://"+res.Request.URL.Host)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `id="confirm"`) ||
		!strings.Contains(body, `<input type="hidden" name="confirm" value="yes">`) || !strings.Contains(body, `action="`+action+`"`) {
		t.Fatalf("%s without confirmation: %d, not the confirmation page:\n%s", u, res.StatusCode, body)
	}
	return body
}

// signIn logs c in as user through the sign-in form.
func signIn(t testing.TB, c *http.Client, base, user string) {
	t.Helper()
	_, page := get(t, c, base+"/console/login")
	res, body := post(t, c, page, base+"/console/login", url.Values{"username": {user}, "password": {"password-123"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in as %s: %d %s", user, res.StatusCode, body)
	}
}

func repoFile(parts ...string) string { return filepath.Join(append([]string{".."}, parts...)...) }
