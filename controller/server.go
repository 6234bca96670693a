// Package controller assembles the controller: it opens the store and runs the
// RADIUS listeners and the HTTP listener (portal, console, API, open data,
// metrics) until its context ends.
package controller

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/mux"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/wifihk/wifihk/accounting"
	"github.com/wifihk/wifihk/controller/config"
	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/internal/datadir"
	"github.com/wifihk/wifihk/internal/secrets"
	"github.com/wifihk/wifihk/internal/store"
	"github.com/wifihk/wifihk/internal/web"
	"github.com/wifihk/wifihk/radius"
	"github.com/wifihk/wifihk/staff"
	"github.com/wifihk/wifihk/telemetry"
	"github.com/wifihk/wifihk/usage"
)

// App is a running controller's parts.
type App struct {
	Config   config.Config
	Log      *slog.Logger
	DB       *store.DB
	Sealer   *secrets.Sealer
	Registry *hotspots.Registry
	// Sessions records accounting (mountRADIUS); everything else that reads
	// sessions shares it, since it alone sees what is journaled but not
	// yet applied to the database.
	Sessions *accounting.Store
	usage    *accounting.Usage // per-NAS usage for coverage, over Sessions
	// auth admits the portal's logins for openNDS gateways (mountRADIUS).
	auth    *radius.Authenticator
	Staff   *staff.Service // staff accounts, API tokens, console sign-ins (mountRegistry)
	Metrics *prometheus.Registry
	Router  *mux.Router

	// Proxy sends other realms' requests to their home servers (mountRADIUS).
	Proxy *radius.Proxy
	// Drops counts what this node's RADIUS servers dropped, per NAS, for
	// the console (mountRADIUS).
	Drops *radius.Drops

	// Telemetry is the agents' AP status, series and alerts (mountAgents).
	Telemetry *telemetry.Service
	usageAgg  *usage.Aggregator // the hourly usage figures (mountUsage)
	// usageNoise draws the open usage data's noise; nil when it is not
	// published (mountUsage).
	usageNoise *usage.Noise
	publishMu  sync.Mutex
	// coaStream carries Disconnect and CoA to NAS connected over RadSec
	// (mount_radsec.go); nil without radius.radsec.addr.
	coaStream radius.CoAStream

	// Ready is closed once every listener is bound; HTTPAddr, AuthAddr and
	// AcctAddr then hold the bound addresses (useful with port 0).
	Ready      chan struct{}
	HTTPAddr   net.Addr
	HTTPSAddr  net.Addr // nil without TLS
	AdminAddr  net.Addr // nil without http.admin_addr (admin.go)
	AuthAddr   net.Addr
	AcctAddr   net.Addr
	RadSecAddr net.Addr // nil without radius.radsec.addr (mount_radsec.go)

	starters []func(ctx context.Context) (stop func(context.Context) error, err error)
	// closers run after every listener has stopped, last first, before
	// the database closes: for what requests write to.
	closers []func() error
}

// New opens the data dir and builds every component; it does not listen yet.
func New(cfg config.Config, log *slog.Logger) (*App, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	sealer, db, err := OpenDataDir(cfg.DataDir, cfg.Store.Conn())
	if err != nil {
		return nil, err
	}
	a := &App{Config: cfg, Log: log, DB: db, Sealer: sealer, Metrics: prometheus.NewRegistry(),
		Router: mux.NewRouter(), Ready: make(chan struct{})}
	db.LogDamage(log)
	if err := a.build(); err != nil {
		db.Close()
		return nil, err
	}
	return a, nil
}

// OpenDataDir opens data dir dir's master key and database, as serve and
// the admin commands do: a fresh dir is initialised, an initialised one
// that lacks its database or key is refused (datadir.ErrDamaged), so that
// nothing stands in silently for the operator's registry or key. The
// database is PostgreSQL at url, or as OpenStore says when url is "".
func OpenDataDir(dir, url string) (*secrets.Sealer, *store.DB, error) {
	if _, err := datadir.Dir(dir).Check(); err != nil {
		return nil, nil, err
	}
	sealer, err := secrets.Load(dir)
	if err != nil {
		return nil, nil, err
	}
	// The key first: a schema upgrade may hash secrets under it.
	db, err := OpenStore(dir, url, store.Options{Key: sealer.Key})
	if err != nil {
		return nil, nil, err
	}
	return sealer, db, nil
}

func (a *App) build() error {
	var err error
	if a.Registry, err = hotspots.New(a.DB, a.Sealer); err != nil {
		return err
	}
	a.Metrics.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	a.Router.Handle("/metrics", promhttp.HandlerFor(a.Metrics, promhttp.HandlerOpts{}))
	a.Router.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	a.Router.HandleFunc("/readyz", a.readyz)
	a.watchFeed()
	for _, mount := range []func() error{a.mountRADIUS, a.mountRegistry, a.mountPortal, a.mountAgents, a.mountUsage, a.mountAPI, a.mountConsole, a.mountAdmin, a.mountRetention} {
		if err := mount(); err != nil {
			return err
		}
	}
	return a.registerBacklog()
}

func (a *App) readyz(w http.ResponseWriter, _ *http.Request) {
	select {
	case <-a.Ready:
	default:
		http.Error(w, "starting", http.StatusServiceUnavailable)
		return
	}
	// How far behind the store this node is, either way: while the store
	// is away the journals still take accounting and reports.
	if _, err := a.DB.Version(); err != nil {
		http.Error(w, "store: "+err.Error()+"\n"+a.backlogText()+feedText(a.DB.Listening()), http.StatusServiceUnavailable)
		return
	}
	if err := a.journalHealth(); err != nil {
		http.Error(w, err.Error()+"\n"+a.backlogText()+feedText(a.DB.Listening()), http.StatusServiceUnavailable)
		return
	}
	if !a.DB.Listening() {
		http.Error(w, "not ready: "+feedText(false)+a.backlogText(), http.StatusServiceUnavailable)
		return
	}
	fmt.Fprint(w, "ready\n"+a.backlogText()+feedText(true))
	if err := a.DB.DamageError(); err != nil {
		fmt.Fprintln(w, err) // serving, but an operator should look
	}
}

// onStart registers a listener to start in Run.
func (a *App) onStart(f func(ctx context.Context) (func(context.Context) error, error)) {
	a.starters = append(a.starters, f)
}

// runUntilStop runs f in the background from start until shutdown, which
// cancels its context and waits for it to return.
func (a *App) runUntilStop(f func(ctx context.Context)) {
	a.onStart(func(ctx context.Context) (func(context.Context) error, error) {
		ctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { defer close(done); f(ctx) }()
		return func(context.Context) error { cancel(); <-done; return nil }, nil
	})
}

// onClose registers f to run once every listener has stopped.
func (a *App) onClose(f func() error) { a.closers = append(a.closers, f) }

// Run listens and serves until ctx ends, then shuts down gracefully.
func (a *App) Run(ctx context.Context) error {
	defer a.DB.Close()
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var stops []func(context.Context) error
	defer func() {
		sctx, c := context.WithTimeout(context.Background(), 5*time.Second)
		defer c()
		for i := len(stops) - 1; i >= 0; i-- {
			if err := stops[i](sctx); err != nil {
				a.Log.Warn("shutdown", "err", err)
			}
		}
		for i := len(a.closers) - 1; i >= 0; i-- {
			if err := a.closers[i](); err != nil {
				a.Log.Warn("shutdown", "err", err)
			}
		}
	}()
	httpStop, err := a.startHTTP(ctx, cancel)
	if err != nil {
		return err
	}
	stops = append(stops, httpStop)
	for _, start := range a.starters {
		stop, err := start(ctx)
		if err != nil {
			return err
		}
		stops = append(stops, stop)
	}
	close(a.Ready)
	a.Log.Info("wifihk serving", "http", a.HTTPAddr, "https", a.HTTPSAddr, "radius_auth", a.AuthAddr, "radius_acct", a.AcctAddr, "radsec", a.RadSecAddr, "data", a.Config.DataDir)
	<-ctx.Done()
	if err := context.Cause(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

// newHTTPServer is the server every HTTP listener uses, with h as handler.
func (a *App) newHTTPServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		TLSConfig:         web.TLSConfig(),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn),
	}
}

// loadCert reads the HTTPS certificate and key into srv's TLS settings
// before anything is served, so that a wrong file fails the start, not
// the first TLS handshake.
func loadCert(srv *http.Server, certFile, keyFile string) error {
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return fmt.Errorf("config: http.tls_cert and http.tls_key: %w", err)
	}
	srv.TLSConfig.Certificates = []tls.Certificate{cert}
	return nil
}

// startHTTP serves the router on the HTTP address and, with a certificate,
// on the HTTPS address too.
func (a *App) startHTTP(ctx context.Context, fail context.CancelCauseFunc) (func(context.Context) error, error) {
	srv := a.newHTTPServer(web.HSTS(a.portalSide()))
	ln, err := net.Listen("tcp", a.Config.HTTP.Addr)
	if err != nil {
		return nil, fmt.Errorf("server: http: %w", err)
	}
	a.HTTPAddr = ln.Addr()
	var once sync.Once
	serve := func(f func() error) {
		if err := f(); !errors.Is(err, http.ErrServerClosed) {
			once.Do(func() { fail(fmt.Errorf("server: http: %w", err)) })
		}
	}
	plain := srv
	if c := a.Config.HTTP; c.TLSCert != "" {
		if err := loadCert(srv, c.TLSCert, c.TLSKey); err != nil {
			ln.Close()
			return nil, err
		}
		tln, err := net.Listen("tcp", c.TLSAddr)
		if err != nil {
			ln.Close()
			return nil, fmt.Errorf("server: https: %w", err)
		}
		a.HTTPSAddr = tln.Addr()
		go serve(func() error { return srv.ServeTLS(tln, "", "") })
		plain = a.newHTTPServer(a.plainHandler(srv.Handler)) // httpsonly.go
	}
	go serve(func() error { return plain.Serve(ln) })
	return func(ctx context.Context) error { return errors.Join(srv.Shutdown(ctx), plain.Shutdown(ctx)) }, nil
}
