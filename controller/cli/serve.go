package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"

	"net"
	"net/netip"
	"sync"

	"github.com/wifihk/wifihk/controller"
	"github.com/wifihk/wifihk/controller/config"
	"github.com/wifihk/wifihk/controller/demonet"
	"github.com/wifihk/wifihk/portal/gateway"
)

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("wifihk serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "YAML config file (see configs/wifihk.yaml)")
	data := fs.String("data", "", "data directory (default ./wifihk-data)")
	storeURL := fs.String("store", "", "PostgreSQL store, postgres://… (default: the data dir's bbolt file, or the URL it remembers)")
	demo := fs.Bool("demo", false, "seed a demo NAS (127.0.0.1, testing123), visitor demo/demo1234 and venues")
	auth := fs.String("radius-auth", "", "RADIUS authentication address (default :1812)")
	acct := fs.String("radius-acct", "", "RADIUS accounting address (default :1813)")
	radsecAddr := fs.String("radsec", "", "RadSec (RADIUS over TLS) address, e.g. :2083; needs radius.radsec cert, key and client_ca in -config (default off)")
	httpAddr := fs.String("http", "", "HTTP address (default :8080)")
	httpsAddr := fs.String("https", "", "HTTPS address, used with a certificate or -demo (default :8443)")
	adminAddr := fs.String("admin", "", "a separate address for the console, staff API and /metrics, which -http then refuses")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "wifihk serve: unexpected argument %q\n", fs.Arg(0))
		return errUsage
	}
	cfg, err := config.Load(*cfgPath)
	if err != nil {
		return err
	}
	override(&cfg.DataDir, *data)
	override(&cfg.Store.URL, *storeURL)
	override(&cfg.RADIUS.AuthAddr, *auth)
	override(&cfg.RADIUS.AcctAddr, *acct)
	override(&cfg.RADIUS.RadSec.Addr, *radsecAddr)
	override(&cfg.HTTP.Addr, *httpAddr)
	override(&cfg.HTTP.TLSAddr, *httpsAddr)
	override(&cfg.HTTP.AdminAddr, *adminAddr)

	if *demo {
		// before New, which builds the EAP server from the config
		pki, made, err := controller.DemoEAP(&cfg)
		if err != nil {
			return err
		}
		if made {
			fmt.Fprintf(stderr, "demo: 802.1X EAP-TTLS/PAP on the RADIUS auth port: devices trust the CA %s and check the server name %s (certificate %s); onboarding page /portal/secure\n",
				pki.CA, pki.ServerName, pki.Cert)
		}
	}
	stderr = &lockedWriter{w: stderr} // the logger and the demo gateway share it
	log := newLogger(stderr, cfg.LogLevel)
	sizeProcs(log)
	app, err := controller.New(cfg, log)
	if err != nil {
		return err
	}
	var played <-chan controller.DemoReady
	if *demo {
		sum, ready, err := app.DemoNetwork()
		if err != nil {
			app.DB.Close()
			return err
		}
		played = ready
		printDemoSetup(stderr, sum)
	}
	base := Env{DataDir: cfg.DataDir, DB: app.DB, Sealer: app.Sealer, Registry: app.Registry, Sessions: app.Sessions,
		Telemetry: app.Telemetry, CoA: app.CoAStream()}
	stopControl, err := ServeControl(ctx, base, log)
	if err != nil {
		app.DB.Close()
		return err
	}
	defer stopControl() // and so on a start that fails: no stale socket
	if *demo {
		gctx, stop := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { defer close(done); demoGateway(gctx, app, played, stderr) }()
		defer func() { stop(); <-done }() // it prints to stderr: gone before we return
	}
	return app.Run(ctx)
}

// printDemoSetup says what DemoNetwork seeded before the server starts.
func printDemoSetup(w io.Writer, sum demonet.Summary) {
	if sum.VenuesImported > 0 {
		fmt.Fprintf(w, "demo: loaded the %d real Wi-Fi.HK venues (hotspots/realvenues)\n", sum.VenuesImported)
	} else {
		fmt.Fprintf(w, "demo: the real Wi-Fi.HK venues are loaded already\n")
	}
	fmt.Fprintf(w, "demo: %d simulated APs at %d real venues in %d districts (demo data); NAS 127.0.0.1 secret testing123; visitor demo / demo1234\n",
		sum.APs, sum.Sites, sum.Districts)
}

// printDemoPlayed says what the simulation played once it has.
func printDemoPlayed(w io.Writer, r controller.DemoReady) {
	switch {
	case r.Err != nil:
		fmt.Fprintf(w, "demo: the simulated network: %v\n", r.Err)
	case r.Sessions > 0:
		fmt.Fprintf(w, "demo: played the past day in %.1fs: %d sessions and %d AP reports; %s stops reporting (alerts, in seconds); live traffic goes on\n",
			r.Took.Seconds(), r.Sessions, r.Reports, r.Offline)
	default:
		fmt.Fprintf(w, "demo: the past day was played on the first start; live traffic goes on\n")
	}
}

// demoGateway runs a CoovaChilli-like gateway (portal/gateway) for the demo
// NAS once the server listens, so that a browser on this machine can walk
// through the captive portal as a visitor would, and says where the
// console is once the simulated network has played its past day.
func demoGateway(ctx context.Context, app *controller.App, played <-chan controller.DemoReady, stderr io.Writer) {
	select {
	case <-app.Ready:
	case <-ctx.Done():
		return
	}
	loop := func(a net.Addr) string {
		return net.JoinHostPort("127.0.0.1", fmt.Sprint(a.(interface{ AddrPort() netip.AddrPort }).AddrPort().Port()))
	}
	gw, err := gateway.Start(gateway.Config{
		PortalURL:  "http://" + loop(app.HTTPAddr) + "/portal",
		RADIUSAddr: loop(app.AuthAddr), AcctAddr: loop(app.AcctAddr),
		Secret: "testing123", NASID: "demo", UAMSecret: "uamsecret",
	})
	if err != nil {
		fmt.Fprintf(stderr, "demo: gateway: %v\n", err)
	} else {
		defer gw.Close()
		gw.Attach(netip.MustParseAddr("127.0.0.1"), "02:00:5e:10:00:01")
		fmt.Fprintf(stderr, "demo: open %s/ in a browser on this machine to log in through the captive portal as a visitor\n", gw.URL)
	}
	select {
	case r := <-played:
		if ctx.Err() != nil {
			return // stopped while it played
		}
		printDemoPlayed(stderr, r)
		fmt.Fprintf(stderr, "demo: the console is at %s (%s / %s)\n", consoleURL(app, loop), controller.DemoStaffUser, controller.DemoStaffPassword)
	case <-ctx.Done():
	}
	<-ctx.Done()
}

// consoleURL is where staff sign in: the admin listener when there is
// one, else the portal's HTTP listener.
func consoleURL(app *controller.App, loop func(net.Addr) string) string {
	if app.AdminAddr == nil {
		return "http://" + loop(app.HTTPAddr) + "/console/"
	}
	scheme := "http"
	if app.Config.HTTP.TLSCert != "" {
		scheme = "https"
	}
	return scheme + "://" + loop(app.AdminAddr) + "/console/"
}

// lockedWriter serialises writes to one stream from several goroutines.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func override(dst *string, flagValue string) {
	if flagValue != "" {
		*dst = flagValue
	}
}

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	l.UnmarshalText([]byte(level))
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l}))
}
