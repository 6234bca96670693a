// Package controllertest runs a whole controller for tests: the real store,
// RADIUS listeners and HTTP server, on 127.0.0.1 ports chosen by the
// kernel, stopped and checked when the test ends.
package controllertest

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/wifihk/wifihk/controller"
	"github.com/wifihk/wifihk/controller/config"
)

// Options shape the controller a test gets.
type Options struct {
	// Demo seeds what serve -demo seeds: NAS 127.0.0.1 (testing123, nasid
	// "demo", uamsecret "uamsecret"), visitor demo/demo1234, console admin,
	// venues.
	Demo bool
	// Configure may change the configuration (a temp data dir and loopback
	// ports are already set).
	Configure func(*config.Config)
	// Prepare runs after seeding and before the listeners start.
	Prepare func(*controller.App)
	// Log gets the controller's log; default: discard.
	Log *slog.Logger
}

// Start returns a running controller once every listener is bound.
func Start(t testing.TB, o Options) *controller.App {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.HTTP.Addr, cfg.HTTP.TLSAddr = "127.0.0.1:0", "127.0.0.1:0"
	cfg.RADIUS.AuthAddr, cfg.RADIUS.AcctAddr = "127.0.0.1:0", "127.0.0.1:0"
	if o.Configure != nil {
		o.Configure(&cfg)
	}
	log := o.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	a, err := controller.New(cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	if o.Demo {
		if err := a.Demo(); err != nil {
			a.DB.Close()
			t.Fatal(err)
		}
	}
	if o.Prepare != nil {
		o.Prepare(a)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("controllertest: Run: %v", err)
		}
	})
	select {
	case <-a.Ready:
	case err := <-done:
		t.Fatalf("controllertest: Run ended early: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("controllertest: not ready in 30 s")
	}
	return a
}
