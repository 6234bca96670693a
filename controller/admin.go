package controller

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"

	"github.com/wifihk/wifihk/agent/wire"
	"github.com/wifihk/wifihk/internal/web"
)

// A gateway's walled garden lets every visitor reach the portal's host
// and port. With http.admin_addr set, the staff side (console, staff API,
// /metrics) is served only on that listener, and the portal's listeners
// serve only what visitors, the public and the agents need.

// visitorPaths are what the portal's listeners serve when there is an
// admin listener: a path equal to one, or under one ending in "/".
var visitorPaths = []string{
	"/portal", "/portal/", "/opendata/", "/healthz", "/readyz",
	"/api/v1/hotspots/nearest", "/api/v1/districts", "/api/v1/openapi.yaml",
	wire.Path, // agents on the APs report from the venue networks
}

// visitorPath reports whether path is served on the portal's side.
func visitorPath(path string) bool {
	if path == "/" { // the site's root leads to the portal
		return true
	}
	for _, p := range visitorPaths {
		if path == p || strings.HasSuffix(p, "/") && strings.HasPrefix(path, p) {
			return true
		}
	}
	return false
}

// portalSide is the handler of the portal's listeners: the whole router,
// or with an admin listener, only the visitor paths (404 for the rest).
func (a *App) portalSide() http.Handler {
	if a.Config.HTTP.AdminAddr == "" {
		return a.Router
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !visitorPath(r.URL.Path) {
			http.NotFound(w, r)
			return
		}
		a.Router.ServeHTTP(w, r)
	})
}

// mountAdmin starts the admin listener in Run when one is configured:
// HTTPS with the configured certificate, else HTTP.
func (a *App) mountAdmin() error {
	addr := a.Config.HTTP.AdminAddr
	if addr == "" {
		return nil
	}
	a.onStart(func(context.Context) (func(context.Context) error, error) {
		srv := a.newHTTPServer(web.HSTS(a.Router))
		c := a.Config.HTTP
		if c.TLSCert != "" {
			if err := loadCert(srv, c.TLSCert, c.TLSKey); err != nil {
				return nil, err
			}
		}
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return nil, fmt.Errorf("server: admin: %w", err)
		}
		a.AdminAddr = ln.Addr()
		go func() {
			var err error
			if c.TLSCert != "" {
				err = srv.ServeTLS(ln, "", "")
			} else {
				err = srv.Serve(ln)
			}
			if !errors.Is(err, http.ErrServerClosed) {
				a.Log.Error("admin listener stopped", "err", err)
			}
		}()
		a.Log.Info("staff routes and metrics served on the admin listener only", "admin", a.AdminAddr, "tls", c.TLSCert != "")
		return srv.Shutdown, nil
	})
	return nil
}
