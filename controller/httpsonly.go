package controller

import (
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/wifihk/wifihk/internal/datadir"
	"github.com/wifihk/wifihk/internal/web"
)

// With an operator's certificate (http.tls_cert), the console and the
// staff API are served on HTTPS only, so that a staff sign-in cookie or
// API token never crosses the network in clear and the session cookie is
// always Secure. On plain HTTP a GET or HEAD for them is redirected to
// the same path on HTTPS; any other method is refused (403) with the
// HTTPS address, since its body (a password, a token) has already been
// sent in clear and a redirect would only hide the misconfigured client.
// The portal, its RFC 8908 API, open data, the public API routes, agent
// ingest, /metrics and the health checks stay on both, as gateways,
// phones and agents need. The redirect names http.public_url's host when
// set. -demo's self-signed certificate enforces nothing: a first look on
// a laptop keeps working over plain HTTP.

// publicAPI are the /api/v1 routes anyone, or an agent, may use on HTTP.
var publicAPI = []string{"/api/v1/districts", "/api/v1/hotspots/", "/api/v1/openapi.yaml", "/api/v1/agent/"}

// staffOnly reports whether path is a console or staff API route.
func staffOnly(path string) bool {
	if path == "/console" || strings.HasPrefix(path, "/console/") {
		return true
	}
	if !strings.HasPrefix(path, "/api/v1/") {
		return false
	}
	for _, p := range publicAPI {
		if path == p || strings.HasSuffix(p, "/") && strings.HasPrefix(path, p) {
			return false
		}
	}
	return true
}

// plainHandler is what the plain HTTP listener serves: h, with the staff
// routes sent to HTTPS when an operator's certificate is configured.
func (a *App) plainHandler(h http.Handler) http.Handler {
	c := a.Config.HTTP
	if c.TLSCert == "" || c.TLSCert == datadir.Dir(a.Config.DataDir).DemoCert() || a.HTTPSAddr == nil {
		return h
	}
	_, port, _ := net.SplitHostPort(a.HTTPSAddr.String())
	public := ""
	if u, err := url.Parse(c.PublicURL); err == nil && u.Hostname() != "" {
		public = u.Hostname() // not the request's Host, which a client may forge
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !staffOnly(r.URL.Path) {
			h.ServeHTTP(w, r)
			return
		}
		host := public
		if host == "" {
			host = r.Host
			if hh, _, err := net.SplitHostPort(r.Host); err == nil {
				host = hh
			}
		}
		to := "https://" + net.JoinHostPort(strings.Trim(host, "[]"), port) + r.URL.RequestURI()
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			http.Redirect(w, r, to, http.StatusMovedPermanently)
			return
		}
		web.Error(w, http.StatusForbidden, "%s is served on HTTPS only: %s", r.URL.Path, to)
	})
}
