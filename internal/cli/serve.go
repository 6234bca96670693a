package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"

	"github.com/wifihk/wifihk/internal/config"
	"github.com/wifihk/wifihk/internal/server"
)

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("wifihk serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "YAML config file (see configs/wifihk.yaml)")
	data := fs.String("data", "", "data directory (default ./wifihk-data)")
	demo := fs.Bool("demo", false, "seed a demo NAS (127.0.0.1, testing123), visitor demo/demo1234 and venues")
	auth := fs.String("radius-auth", "", "RADIUS authentication address (default :1812)")
	acct := fs.String("radius-acct", "", "RADIUS accounting address (default :1813)")
	httpAddr := fs.String("http", "", "HTTP address (default :8080)")
	httpsAddr := fs.String("https", "", "HTTPS address, used with a certificate or -demo (default :8443)")
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
	override(&cfg.RADIUS.AuthAddr, *auth)
	override(&cfg.RADIUS.AcctAddr, *acct)
	override(&cfg.HTTP.Addr, *httpAddr)
	override(&cfg.HTTP.TLSAddr, *httpsAddr)

	log := newLogger(stderr, cfg.LogLevel)
	app, err := server.New(cfg, log)
	if err != nil {
		return err
	}
	if *demo {
		if err := app.Demo(); err != nil {
			app.DB.Close()
			return err
		}
		fmt.Fprintf(stderr, "demo: NAS 127.0.0.1 secret testing123; visitor demo / demo1234; console %s / %s\n",
			server.DemoStaffUser, server.DemoStaffPassword)
	}
	base := Env{DataDir: cfg.DataDir, DB: app.DB, Sealer: app.Sealer, Registry: app.Registry}
	if err := ServeControl(ctx, base, log); err != nil {
		app.DB.Close()
		return err
	}
	return app.Run(ctx)
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
