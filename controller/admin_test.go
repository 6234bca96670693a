package controller_test

import (
	"crypto/tls"
	"net/http"
	"testing"

	"github.com/wifihk/wifihk/controller/config"
	"github.com/wifihk/wifihk/controller/controllertest"
)

// insecure trusts the demo's self-signed certificate.
var insecure = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}

func status(t *testing.T, url string) int {
	t.Helper()
	res, err := insecure.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// With -admin, the console, the staff API and /metrics are served on the
// admin listener only; the portal's listener, which a gateway's walled
// garden lets every visitor reach, refuses them.
func TestAdminListenerTakesTheStaffRoutes(t *testing.T) {
	a := controllertest.Start(t, controllertest.Options{Demo: true,
		Configure: func(c *config.Config) { c.HTTP.AdminAddr = "127.0.0.1:0" }})
	if a.AdminAddr == nil {
		t.Fatal("no admin listener")
	}
	// The demo has a certificate: the admin listener is HTTPS.
	portal, admin := "http://"+a.HTTPAddr.String(), "https://"+a.AdminAddr.String()
	for _, path := range []string{"/metrics", "/console/login", "/console/", "/api/v1/me", "/api/v1/auth/login", "/api/v1/nas", "/api/v1/aps/x/status"} {
		if got := status(t, portal+path); got != http.StatusNotFound {
			t.Errorf("portal listener %s: %d, want 404", path, got)
		}
	}
	for path, want := range map[string]int{"/metrics": 200, "/console/login": 200, "/api/v1/me": 401} {
		if got := status(t, admin+path); got != want {
			t.Errorf("admin listener %s: %d, want %d", path, got, want)
		}
	}
	for path, want := range map[string]int{
		"/portal/api": 200, "/portal/static/portal.css": 200, "/opendata/hotspots.json": 200,
		"/api/v1/hotspots/nearest?lat=22.28&lon=114.16": 200, "/healthz": 200,
		"/": 200, // to the portal
	} {
		if got := status(t, portal+path); got != want {
			t.Errorf("portal listener %s: %d, want %d", path, got, want)
		}
	}
}

// Without -admin everything stays on the one listener.
func TestWithoutAdminListenerMetricsStayOnHTTP(t *testing.T) {
	a := controllertest.Start(t, controllertest.Options{})
	if a.AdminAddr != nil {
		t.Fatal("admin listener without admin_addr")
	}
	if got := status(t, "http://"+a.HTTPAddr.String()+"/metrics"); got != 200 {
		t.Fatalf("/metrics: %d", got)
	}
}

// The site's root leads to the portal, not to a bare 404.
func TestRootLeadsToThePortal(t *testing.T) {
	a := controllertest.Start(t, controllertest.Options{})
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.Get("http://" + a.HTTPAddr.String() + "/")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/portal" {
		t.Fatalf("GET /: %d to %q, want 303 to /portal", res.StatusCode, res.Header.Get("Location"))
	}
}
