package controller_test

import (
	"crypto/tls"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wifihk/wifihk/controller"
	"github.com/wifihk/wifihk/controller/config"
	"github.com/wifihk/wifihk/controller/controllertest"
)

// TestStaffRoutesOnHTTPSOnly: with an operator's certificate, plain HTTP
// redirects a GET for the console or the staff API to HTTPS and refuses
// other methods there, while the portal, open data and health checks stay
// on HTTP; over HTTPS the staff sign-in cookie is Secure, and repeated
// wrong passwords for one account back off with Retry-After (issue 12,
// defect 14).
func TestStaffRoutesOnHTTPSOnly(t *testing.T) {
	certDir := t.TempDir()
	cert, key := filepath.Join(certDir, "cert.pem"), filepath.Join(certDir, "key.pem")
	if err := controller.WriteSelfSigned(certDir, cert, key); err != nil {
		t.Fatal(err)
	}
	a := controllertest.Start(t, controllertest.Options{Demo: true, Configure: func(c *config.Config) {
		c.HTTP.TLSCert, c.HTTP.TLSKey = cert, key
	}})
	plain := "http://" + a.HTTPAddr.String()
	secure := "https://" + a.HTTPSAddr.String()
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, path := range []string{"/console/", "/console/venues?x=1", "/api/v1/me"} {
		res, err := noFollow.Get(plain + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusMovedPermanently || res.Header.Get("Location") != secure+path {
			t.Errorf("GET %s on HTTP: %d to %q, want 301 to %s", path, res.StatusCode, res.Header.Get("Location"), secure+path)
		}
	}
	res, err := http.Post(plain+"/api/v1/auth/login", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden || !strings.Contains(string(body), secure) {
		t.Errorf("POST login on HTTP: %d %s", res.StatusCode, body)
	}
	for _, path := range []string{"/portal", "/api/v1/districts", "/healthz", "/opendata/hotspots.json"} {
		if code, _ := get(t, noFollow, plain+path); code/100 != 2 {
			t.Errorf("GET %s on HTTP: %d, want it served", path, code)
		}
	}

	tlsClient := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	login := func(password string) *http.Response {
		t.Helper()
		res, err := tlsClient.Post(secure+"/api/v1/auth/login", "application/json",
			strings.NewReader(`{"username":"`+controller.DemoStaffUser+`","password":"`+password+`"}`))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	res = login(controller.DemoStaffPassword)
	if res.StatusCode != http.StatusOK || len(res.Cookies()) == 0 || !res.Cookies()[0].Secure {
		t.Fatalf("login over HTTPS: %d, cookies %v", res.StatusCode, res.Cookies())
	}
	for range 5 {
		login("wrong")
	}
	res = login(controller.DemoStaffPassword)
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" {
		t.Fatalf("after 5 wrong passwords: %d, Retry-After %q; want 429 with Retry-After", res.StatusCode, res.Header.Get("Retry-After"))
	}
}
