package console

import (
	"bytes"
	"compress/gzip"
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/gorilla/mux"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/wifihk/wifihk/accounting"
	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/internal/web"
	"github.com/wifihk/wifihk/radius"
	"github.com/wifihk/wifihk/staff"
	"github.com/wifihk/wifihk/telemetry"
	"github.com/wifihk/wifihk/visitors"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Telemetry is what the console reads of the agents' reports;
// *telemetry.Service implements it. Without one every AP shows "no agent".
type Telemetry interface {
	// OnlineAPs lists the APs online now (also the coverage's source).
	OnlineAPs(ctx context.Context) ([]string, error)
	// APStatus is an AP's last report; zero LastReport: it never reported.
	APStatus(apID string) (telemetry.Status, error)
	// APSeries and VenueSeries are 5-minute buckets in [from, to).
	APSeries(apID string, from, to time.Time) ([]telemetry.Bucket, error)
	VenueSeries(venue string, from, to time.Time) ([]telemetry.Bucket, error)
	// Alerts lists offline and recovered alerts, newest first.
	Alerts(f telemetry.AlertFilter) ([]telemetry.Alert, error)
}

// Sessions lists accounting sessions; *sessions.Store implements it.
type Sessions interface {
	List(openOnly bool, limit int) ([]accounting.Session, error)
	Get(id string) (accounting.Session, error)
	// OpenAndStale adds the sessions closed as stale since a time.
	OpenAndStale(since time.Time) ([]accounting.Session, error)
	// NewestWhere is the history: the newest sessions keep accepts.
	NewestWhere(keep func(*accounting.Session) bool, limit int) ([]accounting.Session, error)
	// SetTimeout records the Session-Timeout a NAS accepted for an open
	// session (Extend), for the portal's time left.
	SetTimeout(id string, total time.Duration) (accounting.Session, error)
}

// Disconnecter ends an accounting session with an RFC 5176
// Disconnect-Request to its NAS, or gives it a new Session-Timeout with a
// CoA-Request; *radius.Disconnecter implements it.
type Disconnecter interface {
	Disconnect(ctx context.Context, s accounting.Session) (radius.DisconnectResult, error)
	Extend(ctx context.Context, s accounting.Session, total time.Duration) (radius.DisconnectResult, error)
}

// Vouchers makes and finds voucher batches; *visitors.Store implements it.
type Vouchers interface {
	CreateVouchers(visitors.VoucherSpec) (visitors.VoucherBatch, error)
	VoucherBatchByID(id string) (visitors.VoucherBatch, error)
	ListVoucherBatches(mayRead func(org string) bool, limit int) ([]visitors.VoucherBatch, error)
	RevokeVoucherBatch(id, by string) (int, error)
}

// Accounts finds, imports, disables and deletes visitor accounts;
// *visitors.Store implements it.
type Accounts interface {
	Get(username string) (visitors.Credential, error)
	ImportAccounts(r io.Reader, org string, chap, dryRun bool) (visitors.AccountImport, error)
	SetAccountDisabled(username string, disabled bool) (visitors.Credential, error)
	DeleteAccount(username string) error
}

// Config is what the console needs. Optional parts that are nil make
// their pages say the data is not available rather than fail.
type Config struct {
	Registry *hotspots.Registry // required
	Auth     *staff.Service     // required

	Telemetry    Telemetry            // optional: AP status, clients, usage
	Usage        hotspots.UsageSource // optional: sessions, devices and bytes today
	Sessions     Sessions             // optional: the sessions page and NAS alerts
	Disconnecter Disconnecter         // optional: the Disconnect button
	Vouchers     Vouchers             // optional: the vouchers page
	Accounts     Accounts             // optional: the visitor accounts page
	Proxy        ProxyHealth          // optional: home servers' health on the realms page
	Certs        ClientCerts          // optional: the device certificates page
	CAs          ClientCAs            // optional: organisations' own CAs on that page
	Figures      UsageFigures         // optional: the analytics page
	Tiles        Tiles                // optional: a tile server under the maps
	Drops        RADIUSDrops          // optional: RADIUS drops on the NAS and alerts pages

	// DefaultPlan is what venues without a plan of their own get.
	DefaultPlan hotspots.Plan
	// CoverageTarget is the venues per district below which a district is
	// flagged. Default 100.
	CoverageTarget int
	// AcctSilence is how long a NAS with open sessions may send no
	// accounting before it is an alert. Default 15 minutes (three of the
	// default plan's 5-minute interim updates).
	AcctSilence time.Duration
	// DropAlert is how many packets a NAS may have dropped in the last 5
	// minutes before it is an alert. Default 5.
	DropAlert int
	// Node names this process on the pages that show what it alone
	// counted (RADIUS drops). Default the host name.
	Node string
	// Metrics, when set, receives the console's metrics.
	Metrics prometheus.Registerer
	// CSRFKey signs form tokens (≥ 32 bytes); nil: random per process.
	CSRFKey []byte
	// Base is the path prefix. Default "/console".
	Base string
	Log  *slog.Logger
	Now  func() time.Time
}

// Console serves the operations console.
type Console struct {
	cfg    Config
	reg    *hotspots.Registry
	auth   *staff.Service
	csrf   *web.CSRF
	pages  map[string]*template.Template
	logins *web.Limiter
	met    *metrics
	log    *slog.Logger
	points pointCache
	tiles  *tileSource // nil: no tile server
	csp    string
}

// New checks cfg and builds the console.
func New(cfg Config) (*Console, error) {
	if cfg.Registry == nil || cfg.Auth == nil {
		return nil, errors.New("console: Registry and Auth are required")
	}
	if cfg.Base == "" {
		cfg.Base = "/console"
	}
	if !strings.HasPrefix(cfg.Base, "/") || strings.HasSuffix(cfg.Base, "/") {
		return nil, fmt.Errorf("console: base %q must start and not end with /", cfg.Base)
	}
	if cfg.CoverageTarget == 0 {
		cfg.CoverageTarget = 100
	}
	if cfg.AcctSilence == 0 {
		cfg.AcctSilence = 15 * time.Minute
	}
	if cfg.DropAlert == 0 {
		cfg.DropAlert = 5
	}
	if cfg.Node == "" {
		cfg.Node, _ = os.Hostname()
	}
	if cfg.DefaultPlan.Name == "" {
		cfg.DefaultPlan = hotspots.DefaultPlan()
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	csrf, err := web.NewCSRF(cfg.CSRFKey, "wifihk_console_csrf", false)
	if err != nil {
		return nil, fmt.Errorf("console: %w", err)
	}
	c := &Console{cfg: cfg, reg: cfg.Registry, auth: cfg.Auth, csrf: csrf,
		logins: web.NewLimiter(web.PerMinute(10), 10, 10000), log: cfg.Log.With("component", "console")}
	if c.pages, err = parsePages(); err != nil {
		return nil, err
	}
	if c.tiles, err = cfg.Tiles.parse(); err != nil {
		return nil, fmt.Errorf("console: %w", err)
	}
	c.csp = consoleCSP(c.tiles)
	c.met = newMetrics(cfg.Metrics)
	return c, nil
}

// consoleCSP allows nothing from other origins but the tile server's
// images.
func consoleCSP(tiles *tileSource) string {
	img := "'self' data:"
	if tiles != nil {
		img += " " + tiles.origin
	}
	return "default-src 'self'; script-src 'self'; style-src 'self'; img-src " + img + "; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
}

// pageNames are the templates that each combine with the layout.
var pageNames = []string{"login", "coverage", "venues", "venue", "venue_form", "sessions", "history", "nas", "staff", "accounts", "alerts", "realms", "vouchers", "voucher_print", "certs", "analytics", "confirm", "error"}

func parsePages() (map[string]*template.Template, error) {
	out := map[string]*template.Template{}
	for _, name := range pageNames {
		t, err := template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("console: template %s: %w", name, err)
		}
		out[name] = t
	}
	return out, nil
}

// Mount adds the console's routes under Base to r.
func (c *Console) Mount(r *mux.Router) {
	b := c.cfg.Base
	static, _ := fs.Sub(staticFS, "static")
	r.PathPrefix(b + "/static/").Handler(c.headers(http.StripPrefix(b+"/static/", staticHandler(static))))
	r.Handle(b, http.RedirectHandler(b+"/coverage", http.StatusSeeOther))
	r.Handle(b+"/", http.RedirectHandler(b+"/coverage", http.StatusSeeOther))
	r.Handle(b+"/login", c.page("login", c.loginForm)).Methods("GET", "HEAD")
	r.Handle(b+"/login", c.page("login", c.login)).Methods("POST")
	r.Handle(b+"/logout", c.page("logout", c.signedIn(c.logout))).Methods("POST")
	for _, rt := range []struct {
		method, path, name string
		h                  handler
	}{
		{"GET", "/coverage", "coverage", c.coverage},
		{"GET", "/venues", "venues", c.venues},
		{"GET", "/venues/new", "venue_new", c.venueNewForm},
		{"POST", "/venues/new", "venue_new", c.venueCreate},
		{"GET", "/venues/{org}/{id:.+}", "venue", c.venue},
		{"POST", "/venues/{org}/{id:.+}", "venue", c.venuePost},
		{"GET", "/sessions", "sessions", c.sessions},
		{"POST", "/sessions/disconnect", "disconnect", c.disconnect},
		{"POST", "/sessions/extend", "extend", c.extend},
		{"GET", "/sessions/history", "history", c.history},
		{"GET", "/sessions/history.csv", "history_csv", c.historyCSV},
		{"GET", "/alerts", "alerts", c.alerts},
		{"GET", "/analytics", "analytics", c.analytics},
		{"GET", "/analytics.csv", "analytics_csv", c.analyticsCSV},
		{"GET", "/staff", "staff", c.staffPage},
		{"GET", "/accounts", "accounts", c.accountsPage},
		{"POST", "/accounts/import", "accounts_import", c.accountsImport},
		{"POST", "/accounts/{action:disable|enable|delete}", "account_action", c.accountAction},
		{"POST", "/staff", "staff", c.staffCreate},
		{"POST", "/staff/{username}/{action:disable|enable|reset|delete}", "staff_action", c.staffAction},
		{"GET", "/nas", "nas", c.nasPage},
		{"POST", "/nas", "nas", c.nasCreate},
		{"POST", "/nas/{id}/delete", "nas_delete", c.nasDelete},
		{"GET", "/realms", "realms", c.realms},
		{"POST", "/realms", "realms", c.realmCreate},
		{"POST", "/realms/delete", "realm_delete", c.realmDelete},
		{"GET", "/realms/edit", "realms", c.realmEdit},
		{"POST", "/realms/edit", "realm_edit", c.realmUpdate},
		{"GET", "/vouchers", "vouchers", c.vouchersPage},
		{"POST", "/vouchers", "vouchers", c.vouchersCreate},
		{"GET", "/vouchers/{id}", "voucher_print", c.voucherPrint},
		{"POST", "/vouchers/{id}/revoke", "voucher_revoke", c.voucherRevoke},
		{"GET", "/certs", "certs", c.certsPage},
		{"POST", "/certs", "certs", c.certIssue},
		{"POST", "/certs/{serial:[0-9a-fA-F]{1,64}}/revoke", "cert_revoke", c.certRevoke},
		{"POST", "/certs/cas", "cert_ca_import", c.caImport},
		{"POST", "/certs/cas/{id:[0-9a-f]{64}}/crl", "cert_ca_crl", c.caCRL},
		{"POST", "/certs/cas/{id:[0-9a-f]{64}}/remove", "cert_ca_remove", c.caRemove},
	} {
		r.Handle(b+rt.path, c.page(rt.name, c.signedIn(rt.h))).Methods(rt.method)
	}
}

// staticHandler serves embedded assets with a day's caching.
func staticHandler(fsys fs.FS) http.Handler {
	fh := http.FileServerFS(fsys)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=86400")
		fh.ServeHTTP(w, r)
	})
}

// headers sets the browser-facing security headers: nothing from other
// origins (but map tiles), no inline script, no framing.
func (c *Console) headers(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		web.SecurityHeaders(w.Header(), c.csp, "same-origin")
		next.ServeHTTP(w, r)
	})
}

// handler is a page handler for a signed-in principal. It fills v and
// returns the template to render ("" when it has answered already).
type handler func(w http.ResponseWriter, r *http.Request, v *view) string

// page wraps a handler with headers, language, metrics and rendering.
func (c *Console) page(name string, h func(w http.ResponseWriter, r *http.Request, v *view) string) http.Handler {
	return c.headers(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
		w = sw
		w.Header().Set("Cache-Control", "no-store")
		v := c.newView(w, r)
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, bodyLimit(name))
			if err := parseForm(r); err != nil || c.csrf.Check(r) != nil {
				v.Status, v.Error = http.StatusForbidden, v.T("err_csrf")
				if tooBig := (*http.MaxBytesError)(nil); errors.As(err, &tooBig) {
					v.Status, v.Error = http.StatusRequestEntityTooLarge, v.T("err_too_big")
				}
				c.render(w, v, "error")
				c.met.observe(name, sw.code, start)
				return
			}
		}
		if tmpl := h(w, r, v); tmpl != "" {
			if r.Method == http.MethodPost && v.Section != "" {
				// The answer to a form: its language links lead to the
				// section's page, as a link cannot post the form again.
				v.Langs = langLinks(&http.Request{URL: &url.URL{Path: c.cfg.Base + "/" + v.Section}}, v.Lang)
			}
			c.render(w, v, tmpl)
		}
		c.met.observe(name, sw.code, start)
	}))
}

// parseForm reads a posted form, a file upload's too (the 64 kB body
// limit holds for both).
// bodyLimit caps a form's body: 64 KiB, but for a CRL's upload.
func bodyLimit(page string) int64 {
	if page == "cert_ca_crl" {
		return maxCRLForm
	}
	return 64 << 10
}

func parseForm(r *http.Request) error {
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		return r.ParseMultipartForm(64 << 10)
	}
	return r.ParseForm()
}

// signedIn sends visitors who are not signed in to the sign-in page.
func (c *Console) signedIn(h handler) func(http.ResponseWriter, *http.Request, *view) string {
	return func(w http.ResponseWriter, r *http.Request, v *view) string {
		if v.User == nil {
			next := r.URL.Path
			if r.Method != http.MethodGet {
				next = c.cfg.Base + "/coverage"
			}
			http.Redirect(w, r, c.cfg.Base+"/login?next="+urlQueryEscape(next), http.StatusSeeOther)
			return ""
		}
		return h(w, r, v)
	}
}

// principal returns the signed-in staff member, if any.
func (c *Console) principal(r *http.Request) *staff.Principal {
	ck, err := r.Cookie(staff.CookieName)
	if err != nil {
		return nil
	}
	p, err := c.auth.SignInPrincipal(ck.Value)
	if err != nil {
		return nil
	}
	return &p
}

func (c *Console) render(w http.ResponseWriter, v *view, name string) {
	t := c.pages[name]
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		c.log.Error("render", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Add("Vary", "Accept-Encoding")
	status := v.Status
	if status == 0 {
		status = http.StatusOK
	}
	// The coverage page is mostly map (360 kB for the real data); gzip at
	// its fastest level brings it to about a sixth for a tablet on a
	// mobile link, at about a millisecond of CPU.
	if v.gzip && buf.Len() > 8<<10 {
		h.Set("Content-Encoding", "gzip")
		w.WriteHeader(status)
		gz, _ := gzip.NewWriterLevel(w, gzip.BestSpeed)
		gz.Write(buf.Bytes())
		gz.Close()
		return
	}
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// fail renders an error page for err: not found (also for what the
// principal may not read), forbidden, or internal.
func (c *Console) fail(v *view, err error) string {
	switch {
	case errors.Is(err, hotspots.ErrNotFound), errors.Is(err, accounting.ErrNotFound), errors.Is(err, errNotFound):
		v.Status, v.Error, v.Title = http.StatusNotFound, v.T("err_notfound"), v.T("not_found_title")
	case errors.Is(err, errForbidden):
		v.Status, v.Error, v.Title = http.StatusForbidden, v.T("err_forbidden"), v.T("err_forbidden")
	default:
		c.log.Error("console", "err", err)
		v.Status, v.Error, v.Title = http.StatusInternalServerError, v.T("err_internal"), v.T("err_internal")
	}
	return "error"
}

var (
	errNotFound  = errors.New("console: not found")
	errForbidden = errors.New("console: forbidden")
)

type statusWriter struct {
	http.ResponseWriter
	code int
}

func (s *statusWriter) WriteHeader(code int) {
	s.code = code
	s.ResponseWriter.WriteHeader(code)
}
