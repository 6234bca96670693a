package portal

import (
	"context"
	"crypto/rand"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/netip"
	"regexp"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/internal/i18n"
	"github.com/wifihk/wifihk/internal/web"
	"github.com/wifihk/wifihk/visitors"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// NASDirectory finds gateways, their UAM secrets and plans;
// *hotspots.Registry implements it.
type NASDirectory interface {
	LookupNAS(key string) (hotspots.NAS, bool)
	VenueName(key hotspots.VenueKey, lang string) string
	Venue(key hotspots.VenueKey) (hotspots.Venue, error)
	Org(code string) (hotspots.Org, error)
	UAMSecret(hotspots.NAS) (string, error)
	PlanForNAS(hotspots.NAS, hotspots.Plan) hotspots.Plan
}

// TimeLeft is the time and data a visitor has left in the open session,
// as the status page and the Captive Portal API report it.
type TimeLeft struct {
	SecondsLeft int64             // -1 when there is no time limit
	BytesLeft   int64             // -1 when there is no data cap
	Venue       hotspots.VenueKey // of the session's NAS, or ""
}

// TimeLeftFinder finds what a visitor has left from the open accounting
// session by address and, when known, MAC. ok is false when there is none.
type TimeLeftFinder interface {
	TimeLeft(ip netip.Addr, mac string) (left TimeLeft, ok bool, err error)
}

// Sender delivers one-time codes by e-mail or SMS.
type Sender interface {
	Send(ctx context.Context, to, message string) error
}

// Limits are the portal's rate limits. Zero fields take the defaults.
type Limits struct {
	LoginsPerMinutePerIP  int // every login POST, default 30
	LoginsPerMinutePerMAC int // default 10
	CodesPerHourPerTarget int // codes sent to one contact, default 5
	PasswordChecks        int // concurrent argon2id checks, default 4
}

// Config is what a Portal needs.
type Config struct {
	NAS         NASDirectory     // required
	Visitors    *visitors.Store  // required
	DefaultPlan hotspots.Plan    // where no venue plan applies
	Sender      Sender           // required: delivers sign-up and reset codes
	TimeLeft    TimeLeftFinder   // optional: time and data left
	Log         *slog.Logger     // default: discard
	Base        string           // path prefix, default "/portal"
	PublicURL   string           // e.g. https://wifi.example.hk; default from each request
	Key         []byte           // ≥ 32 bytes, signs forms and CSRF tokens; default random
	Remember    int              // days "remember this device" lasts; default 30, <0 turns it off
	Limits      Limits           //
	Now         func() time.Time // default time.Now

	// KeepSessions is how long closed sessions are kept, as the terms of
	// use say; 0: until the operator deletes them.
	KeepSessions time.Duration

	// Gateways, when set, serves openNDS gateways as their FAS at
	// Base/opennds/NAS (fas.go); GatewaySessions is then required.
	Gateways        Authorizer
	GatewaySessions GatewaySessions

	// Secure, when set, adds the onboarding page for the 802.1X SSID
	// (/secure) with its device profiles.
	Secure *SecureNetwork
}

// Portal serves the captive portal.
type Portal struct {
	cfg          Config
	log          *slog.Logger
	pages        map[string]map[string]*template.Template // by language, page
	vouchers     *template.Template
	csrf         *web.CSRF
	signer       *signer
	perIP        *web.Limiter
	perMAC       *web.Limiter
	perDest      *web.Limiter
	signins      web.Backoff // per account, after failed sign-ins (accounts.go)
	hashing      chan struct{}
	landingCache pageCache
	fas          fasQueue // grants waiting for openNDS's authmon (fas.go)
}

// New checks cfg and builds a Portal.
func New(cfg Config) (*Portal, error) {
	if cfg.NAS == nil || cfg.Visitors == nil || cfg.Sender == nil {
		return nil, errors.New("portal: NAS, Visitors and Sender are required")
	}
	if cfg.Gateways != nil && cfg.GatewaySessions == nil {
		return nil, errors.New("portal: GatewaySessions is required with Gateways")
	}
	if err := cfg.DefaultPlan.Validate(); err != nil {
		return nil, fmt.Errorf("portal: default plan: %w", err)
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Base == "" {
		cfg.Base = "/portal"
	}
	if !strings.HasPrefix(cfg.Base, "/") || strings.HasSuffix(cfg.Base, "/") {
		return nil, fmt.Errorf("portal: base %q must start and not end with /", cfg.Base)
	}
	if cfg.PublicURL != "" && !strings.HasPrefix(cfg.PublicURL, "http://") && !strings.HasPrefix(cfg.PublicURL, "https://") {
		return nil, fmt.Errorf("portal: public URL %q is not http(s)://host", cfg.PublicURL)
	}
	cfg.PublicURL = strings.TrimSuffix(cfg.PublicURL, "/")
	if cfg.Key == nil {
		cfg.Key = make([]byte, 32)
		rand.Read(cfg.Key)
	}
	if cfg.Remember == 0 {
		cfg.Remember = 30
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.Limits = cfg.Limits.withDefaults()
	if cfg.Secure != nil {
		if err := cfg.Secure.check(); err != nil {
			return nil, err
		}
	}
	csrf, err := web.NewCSRF(cfg.Key, "wifihk_csrf", strings.HasPrefix(cfg.PublicURL, "https://"))
	if err != nil {
		return nil, fmt.Errorf("portal: %w", err)
	}
	p := &Portal{cfg: cfg, log: cfg.Log.With("component", "portal"), csrf: csrf,
		signer:  &signer{key: cfg.Key, now: cfg.Now},
		perIP:   web.NewLimiter(web.PerMinute(cfg.Limits.LoginsPerMinutePerIP), cfg.Limits.LoginsPerMinutePerIP, 0),
		perMAC:  web.NewLimiter(web.PerMinute(cfg.Limits.LoginsPerMinutePerMAC), cfg.Limits.LoginsPerMinutePerMAC, 0),
		perDest: web.NewLimiter(float64(cfg.Limits.CodesPerHourPerTarget)/3600, cfg.Limits.CodesPerHourPerTarget, 0),
		hashing: make(chan struct{}, cfg.Limits.PasswordChecks)}
	if err := p.parseTemplates(); err != nil {
		return nil, err
	}
	return p, nil
}

func (l Limits) withDefaults() Limits {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&l.LoginsPerMinutePerIP, 30)
	def(&l.LoginsPerMinutePerMAC, 10)
	def(&l.CodesPerHourPerTarget, 5)
	def(&l.PasswordChecks, 4)
	return l
}

// literalT is a translation call without arguments, which parseTemplates
// replaces with the translated text itself: pages then render with
// hardly any reflection, which keeps the landing page fast.
var literalT = regexp.MustCompile(`\{\{\.T "([a-z0-9_]+)"\}\}`)

func (p *Portal) parseTemplates() error {
	p.pages = map[string]map[string]*template.Template{}
	layout, err := fs.ReadFile(templateFS, "templates/layout.html")
	if err != nil {
		return fmt.Errorf("portal: %w", err)
	}
	for _, l := range i18n.Languages {
		p.pages[l.Code] = map[string]*template.Template{}
		bake := func(src []byte) string {
			return literalT.ReplaceAllStringFunc(string(src), func(m string) string {
				return template.HTMLEscapeString(tr(l.Code, literalT.FindStringSubmatch(m)[1]))
			})
		}
		for _, name := range []string{"login", "signup", "verify", "reset", "status", "message", "secure"} {
			src, err := fs.ReadFile(templateFS, "templates/"+name+".html")
			if err != nil {
				return fmt.Errorf("portal: %w", err)
			}
			t, err := template.New("layout").Parse(bake(layout))
			if err == nil {
				_, err = t.Parse(bake(src))
			}
			if err != nil {
				return fmt.Errorf("portal: template %s: %w", name, err)
			}
			p.pages[l.Code][name] = t
		}
	}
	p.vouchers, err = template.ParseFS(templateFS, "templates/vouchers.html")
	if err != nil {
		return fmt.Errorf("portal: template vouchers: %w", err)
	}
	return nil
}

// Mount adds the portal's routes to r.
func (p *Portal) Mount(r *mux.Router) {
	b := p.cfg.Base
	static, _ := fs.Sub(staticFS, "static")
	files := http.StripPrefix(b+"/static/", http.FileServerFS(static))
	r.PathPrefix(b + "/static/").Handler(staticHeaders(files))
	r.Handle(b, p.page(p.landing)).Methods(http.MethodGet, http.MethodHead)
	r.Handle(b, http.HandlerFunc(p.wispr)).Methods(http.MethodPost).Queries("res", "wispr")
	r.Handle(b+"/", http.RedirectHandler(b, http.StatusFound)).Methods(http.MethodGet)
	r.Handle(b+"/terms", p.page(p.terms)).Methods(http.MethodGet, http.MethodHead)
	r.Handle(b+"/privacy", p.page(p.privacy)).Methods(http.MethodGet, http.MethodHead)
	r.Handle(b+"/venue", p.page(p.venueInfo)).Methods(http.MethodGet, http.MethodHead)
	r.Handle(b+"/status", p.page(p.status)).Methods(http.MethodGet, http.MethodHead)
	r.Handle(b+"/signup", p.page(p.signupForm)).Methods(http.MethodGet)
	r.Handle(b+"/reset", p.page(p.resetForm)).Methods(http.MethodGet)
	for path, h := range map[string]func(http.ResponseWriter, *http.Request, *view){
		"/connect": p.connect, "/signin": p.signin, "/signup": p.signup, "/verify": p.verify,
		"/reset": p.reset, "/reset/finish": p.resetFinish, "/voucher": p.voucher,
	} {
		r.Handle(b+path, p.form(h)).Methods(http.MethodPost)
	}
	r.Handle(b+"/api", http.HandlerFunc(p.captiveAPI)).Methods(http.MethodGet)
	if p.cfg.Gateways != nil {
		p.mountFAS(r)
	}
	if p.cfg.Secure != nil {
		r.Handle(b+"/secure", p.page(p.secure)).Methods(http.MethodGet, http.MethodHead)
		r.HandleFunc(b+"/secure/ca.crt", p.secureCA).Methods(http.MethodGet)
		r.HandleFunc(b+"/secure/wifihk.mobileconfig", p.secureApple).Methods(http.MethodGet)
		r.HandleFunc(b+"/secure/wpa_supplicant.conf", p.secureWPA).Methods(http.MethodGet)
	}
}

func staticHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=86400")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		next.ServeHTTP(w, r)
	})
}

// findNAS finds the gateway by nasid (its NAS-Identifier or name), else by
// called.
func (p *Portal) findNAS(u Params) (hotspots.NAS, bool) {
	for _, key := range []string{u.NASID, u.Called} {
		if key == "" {
			continue
		}
		if n, ok := p.cfg.NAS.LookupNAS(key); ok {
			return n, true
		}
	}
	return hotspots.NAS{}, false
}
