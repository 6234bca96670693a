// Package api is wifihk's REST API under /api/v1, every route staff and
// agents call: the registry (organisations, venues, plans, NAS, APs, staff,
// audit, coverage, nearest hotspots), voucher batches, the agents' reports
// and the AP status, series and alerts drawn from them; and the public open
// data under /opendata. openapi.yaml describes every route.
//
// Every error answers a Problem (internal/web): a JSON object with error
// (a code), message and, for invalid input, field.
//
// Every staff route checks scope the same way: something of an organisation
// the caller may not read answers 404, as if it did not exist; something it
// may read but not change answers 403.
package api

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/gorilla/mux"

	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/internal/input"
	"github.com/wifihk/wifihk/internal/store"
	"github.com/wifihk/wifihk/internal/web"
	"github.com/wifihk/wifihk/staff"
	"github.com/wifihk/wifihk/telemetry"
)

// Config is what the API needs. Zero values take the documented defaults.
type Config struct {
	Registry *hotspots.Registry // required
	Auth     *staff.Service     // required
	// DefaultPlan is shown for venues with no plan of their own.
	DefaultPlan hotspots.Plan
	// MaxBody caps every JSON request body. Default 64 KiB.
	MaxBody int64
	// CoverageTarget is the venues per district below which a district is
	// listed as below target.
	CoverageTarget int
	// Sources returns the live coverage sources wired in so far.
	Sources func() hotspots.CoverageSources
	// Telemetry, when set, serves the agents' reports and the AP status,
	// series and alerts routes.
	Telemetry *telemetry.Service
	// Vouchers, when set, serves the voucher batch routes.
	Vouchers Vouchers
	// ClientCAs, when set, serves the organisations' own EAP-TLS CAs
	// (clientcas.go).
	ClientCAs ClientCAs
	// UsageDays, when set, serves the open usage data (usage.go).
	UsageDays UsageDays
	// Proxy, when set, adds the home servers' health to the realms.
	Proxy ProxyHealth
	// Log receives what the API cannot answer with (quiet by default).
	Log *slog.Logger
}

// API serves the registry over HTTP.
type API struct {
	cfg      Config
	reg      *hotspots.Registry
	auth     *staff.Service
	opendata opendataCache
	logins   *web.Limiter
	agents   *Telemetry // nil without Config.Telemetry
}

// New checks cfg and returns the API.
func New(cfg Config) (*API, error) {
	if cfg.Registry == nil || cfg.Auth == nil {
		return nil, errors.New("api: Registry and Auth are required")
	}
	if cfg.MaxBody == 0 {
		cfg.MaxBody = 64 << 10
	}
	if cfg.Sources == nil {
		cfg.Sources = func() hotspots.CoverageSources { return hotspots.CoverageSources{} }
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.DefaultPlan.Name == "" {
		cfg.DefaultPlan = hotspots.DefaultPlan()
	}
	a := &API{cfg: cfg, reg: cfg.Registry, auth: cfg.Auth,
		logins: web.NewLimiter(web.PerMinute(10), 10, 10000)}
	if cfg.Telemetry != nil {
		t, err := NewTelemetry(TelemetryConfig{Service: cfg.Telemetry, APs: cfg.Registry, Staff: cfg.Auth, Log: cfg.Log})
		if err != nil {
			return nil, err
		}
		a.agents = t
	}
	return a, nil
}

// Route is one API route, for mounting and for the tests that check the
// OpenAPI description and scoping against every route.
type Route struct {
	Method  string
	Path    string // gorilla/mux template
	Public  bool   // asks no credentials
	handler http.Handler
}

// Routes lists every route the API serves.
func (a *API) Routes() []Route {
	s := func(method, path string, h staffHandler) Route {
		return Route{Method: method, Path: path, handler: a.staff(h)}
	}
	p := func(method, path string, h http.HandlerFunc) Route {
		return Route{Method: method, Path: path, Public: true, handler: h}
	}
	routes := []Route{
		p("POST", "/api/v1/auth/login", a.login),
		s("POST", "/api/v1/auth/logout", a.logout),
		s("POST", "/api/v1/auth/token", a.rotateOwnToken),
		s("GET", "/api/v1/me", a.me),

		s("GET", "/api/v1/orgs", a.listOrgs),
		s("POST", "/api/v1/orgs", a.createOrg),
		s("GET", "/api/v1/orgs/{code}", a.getOrg),
		s("PUT", "/api/v1/orgs/{code}", a.updateOrg),
		s("DELETE", "/api/v1/orgs/{code}", a.deleteOrg),

		s("GET", "/api/v1/venues", a.listVenues),
		s("POST", "/api/v1/venues", a.createVenue),
		s("GET", "/api/v1/venues/{org}/{id:.+}", a.getVenue),
		s("PUT", "/api/v1/venues/{org}/{id:.+}", a.updateVenue),
		s("DELETE", "/api/v1/venues/{org}/{id:.+}", a.deleteVenue),

		s("GET", "/api/v1/plans", a.listPlans),
		s("POST", "/api/v1/plans", a.createPlan),
		s("GET", "/api/v1/plans/{name}", a.getPlan),
		s("PUT", "/api/v1/plans/{name}", a.updatePlan),
		s("DELETE", "/api/v1/plans/{name}", a.deletePlan),

		s("GET", "/api/v1/nas", a.listNAS),
		s("POST", "/api/v1/nas", a.createNAS),
		s("GET", "/api/v1/nas/{id}", a.getNAS),
		s("PUT", "/api/v1/nas/{id}", a.updateNAS),
		s("DELETE", "/api/v1/nas/{id}", a.deleteNAS),

		s("GET", "/api/v1/realms", a.listRealms),
		s("POST", "/api/v1/realms", a.createRealm),
		s("GET", "/api/v1/realms/{name:.+}", a.getRealm),
		s("PUT", "/api/v1/realms/{name:.+}", a.updateRealm),
		s("DELETE", "/api/v1/realms/{name:.+}", a.deleteRealm),

		s("GET", "/api/v1/aps", a.listAPs),
		s("POST", "/api/v1/aps", a.createAP),
		s("GET", "/api/v1/aps/{id}", a.getAP),
		s("PUT", "/api/v1/aps/{id}", a.updateAP),
		s("DELETE", "/api/v1/aps/{id}", a.deleteAP),

		s("GET", "/api/v1/staff", a.listStaff),
		s("POST", "/api/v1/staff", a.createStaff),
		s("GET", "/api/v1/staff/{username}", a.getStaff),
		s("PUT", "/api/v1/staff/{username}", a.updateStaff),
		s("DELETE", "/api/v1/staff/{username}", a.deleteStaff),
		s("POST", "/api/v1/staff/{username}/token", a.rotateStaffToken),

		s("GET", "/api/v1/audit", a.listAudit),
		s("GET", "/api/v1/coverage", a.coverage),

		p("GET", "/api/v1/openapi.yaml", serveOpenAPI),
		p("GET", "/api/v1/districts", a.districts),
		p("GET", "/api/v1/hotspots/nearest", a.nearest),
		p("GET", "/opendata/hotspots.{format:csv|json|geojson}", a.openData),
	}
	if a.cfg.Vouchers != nil {
		routes = append(routes, a.voucherRoutes()...)
	}
	if a.cfg.ClientCAs != nil {
		routes = append(routes, a.clientCARoutes()...)
	}
	if a.agents != nil {
		routes = append(routes, a.agents.Routes()...)
	}
	if a.cfg.UsageDays != nil {
		routes = append(routes, a.usageRoutes()...)
	}
	return routes
}

// Mount adds every route to r.
func (a *API) Mount(r *mux.Router) { mount(r, a.Routes()) }

// mount adds routes to r with the headers every API answer carries.
func mount(r *mux.Router, routes []Route) {
	for _, rt := range routes {
		h := web.APIHeaders(rt.handler)
		if rt.Public && rt.Method == "GET" {
			h = web.PublicHeaders(rt.handler)
		}
		r.Handle(rt.Path, h).Methods(rt.Method)
	}
}

// Unrouted answers the requests no route takes, for a router's
// NotFoundHandler (status 404) or MethodNotAllowedHandler (405): a Problem
// under /api/v1/, so that clients of the API get one for every error, and
// next's answer (or a bare status, without next) elsewhere.
func Unrouted(status int, next http.Handler) http.Handler {
	if next == nil {
		next = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(status) })
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/api/v1/") {
			next.ServeHTTP(w, r)
			return
		}
		web.APIHeaders(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if status == http.StatusMethodNotAllowed {
				web.Error(w, status, "%s is not served at %s", r.Method, r.URL.Path)
				return
			}
			web.Error(w, status, "no route %s", r.URL.Path)
		})).ServeHTTP(w, r)
	})
}

// Principals finds the staff member behind a request, by API token or
// console sign-in cookie. *staff.Service satisfies it.
type Principals interface {
	FromRequest(r *http.Request) (staff.Principal, error)
}

type staffHandler func(w http.ResponseWriter, r *http.Request, p staff.Principal)

// staff authenticates a request for h (see requireStaff).
func (a *API) staff(h staffHandler) http.Handler { return requireStaff(a.auth, h) }

// requireStaff authenticates a request and refuses cross-site changes made
// with a session cookie.
func requireStaff(auth Principals, h staffHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := auth.FromRequest(r)
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="wifihk"`)
			web.Error(w, http.StatusUnauthorized, "send an API token (Authorization: Bearer …) or log in")
			return
		}
		if p.Via == "session" && r.Method != http.MethodGet && r.Method != http.MethodHead && !staff.SameOrigin(r) {
			web.Error(w, http.StatusForbidden, "cross-site request refused")
			return
		}
		h(w, r, p)
	})
}

// fail answers a domain error with its status.
func (a *API) fail(w http.ResponseWriter, err error) {
	var fe *input.FieldError
	switch {
	case errors.As(err, &fe):
		web.Invalid(w, fe.Field, "%s", fe.Problem)
	case errors.Is(err, hotspots.ErrNotFound), errors.Is(err, staff.ErrNotFound):
		web.Error(w, http.StatusNotFound, "%s", err)
	case errors.Is(err, store.ErrUnavailable):
		a.cfg.Log.Warn("registry API", "err", err)
		web.Error(w, http.StatusServiceUnavailable, "store unavailable; retry")
	case errors.Is(err, hotspots.ErrExists), errors.Is(err, staff.ErrExists), errors.Is(err, staff.ErrLastAdmin),
		errors.Is(err, hotspots.ErrInUse), errors.Is(err, hotspots.ErrNASExists):
		web.Error(w, http.StatusConflict, "%s", err)
	default:
		a.cfg.Log.Error("registry API", "err", err)
		web.Error(w, http.StatusInternalServerError, "internal error")
	}
}

func notFound(w http.ResponseWriter, what, key string) {
	web.Error(w, http.StatusNotFound, "no %s %q", what, key)
}

func forbidden(w http.ResponseWriter, format string, a ...any) {
	web.Error(w, http.StatusForbidden, format, a...)
}

// denyRead answers 404 and reports true when p may not read org's data.
func denyRead(w http.ResponseWriter, p staff.Principal, org, what, key string) bool {
	if p.CanRead(org) {
		return false
	}
	notFound(w, what, key)
	return true
}

// denyWrite answers 403 (or 404 when p may not even read it) and reports
// true when p may not change org's data.
func denyWrite(w http.ResponseWriter, p staff.Principal, org, what, key string) bool {
	if denyRead(w, p, org, what, key) {
		return true
	}
	if p.CanWrite(org) {
		return false
	}
	forbidden(w, "%s may not change %s %q", p.Role, what, key)
	return true
}

func (a *API) audit(p staff.Principal, action, object, org, detail string) {
	err := a.reg.Audit(hotspots.AuditEntry{Actor: p.Actor(), Action: action, Object: object, Org: org, Detail: detail})
	if err != nil {
		a.cfg.Log.Error("audit log", "action", action, "object", object, "err", err)
	}
}

// Page is one page of a list.
type Page[T any] struct {
	Items   []T `json:"items"`
	Page    int `json:"page"`
	PerPage int `json:"per_page"`
	Total   int `json:"total"`
}

// Pagination bounds.
const (
	DefaultPerPage = 50
	MaxPerPage     = 500
)

// paging reads page and per_page; on a bad value it answers 422.
func paging(w http.ResponseWriter, r *http.Request) (page, per int, ok bool) {
	page, per = 1, DefaultPerPage
	q := r.URL.Query()
	if s := q.Get("page"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 1e7 {
			web.Invalid(w, "page", "%q is not a page number (1 or more)", s)
			return 0, 0, false
		}
		page = n
	}
	if s := q.Get("per_page"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxPerPage {
			web.Invalid(w, "per_page", "%q is not between 1 and %d", s, MaxPerPage)
			return 0, 0, false
		}
		per = n
	}
	return page, per, true
}

// pageOf slices all into the requested page.
func pageOf[T any](all []T, page, per int) Page[T] {
	out := Page[T]{Items: []T{}, Page: page, PerPage: per, Total: len(all)}
	if start := (page - 1) * per; start < len(all) {
		out.Items = all[start:min(start+per, len(all))]
	}
	return out
}

// serveOpenAPI serves api/openapi.yaml, the description of these routes.
func serveOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/yaml")
	w.Write(OpenAPI)
}
