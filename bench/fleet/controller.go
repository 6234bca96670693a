package fleet

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/gorilla/mux"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/wifihk/wifihk/api"
	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/internal/datadir"
	"github.com/wifihk/wifihk/internal/store"
	"github.com/wifihk/wifihk/staff"
	"github.com/wifihk/wifihk/telemetry"
)

// Token is simulated AP i's agent token.
func Token(i int) string { return fmt.Sprintf("wha_fleet_%d", i) }

// Tokens returns the first n simulated tokens.
func Tokens(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = Token(i)
	}
	return out
}

// memAPs knows the simulated APs by token, five to a venue. It stands in
// for the registry, whose token lookup (one read transaction and a SHA-256)
// is not what this load test measures.
type memAPs struct {
	byToken map[string]hotspots.AP
	byID    map[string]hotspots.AP
}

func newMemAPs(n int) *memAPs {
	m := &memAPs{byToken: make(map[string]hotspots.AP, n), byID: make(map[string]hotspots.AP, n)}
	for i := 0; i < n; i++ {
		ap := hotspots.AP{ID: fmt.Sprintf("ap-%d", i+1), Hotspot: hotspots.MakeVenueKey("fleet", fmt.Sprintf("V%05d", i/5)), Name: "fleet"}
		m.byToken[Token(i)], m.byID[ap.ID] = ap, ap
	}
	return m
}

func (m *memAPs) APByToken(t string) (hotspots.AP, error) {
	if ap, ok := m.byToken[t]; ok {
		return ap, nil
	}
	return hotspots.AP{}, hotspots.ErrBadToken
}

func (m *memAPs) APByID(id string) (hotspots.AP, error) {
	if ap, ok := m.byID[id]; ok {
		return ap, nil
	}
	return hotspots.AP{}, hotspots.ErrNotFound
}

// Serve runs the real telemetry ingest for n simulated APs over a store in
// dir, with /metrics (including process CPU and memory), until ctx ends.
// ready receives the listening address. noSync skips fsync (and the
// journal, whose point is a cheaper fsync), to tell the disk's share of
// latency from the rest; never for figures of record.
func Serve(ctx context.Context, dir, addr string, n int, noSync bool, ready func(net.Addr)) error {
	db, err := store.Open(dir, store.Options{NoSync: noSync})
	if err != nil {
		return err
	}
	defer db.Close()
	cfg := telemetry.Config{DB: db, Log: slog.New(slog.DiscardHandler)}
	if !noSync { // reports are journaled beside the store, as the server does
		cfg.JournalPath = datadir.Dir(dir).ReportsJournal()
	}
	svc, err := telemetry.New(cfg)
	if err != nil {
		return err
	}
	defer svc.Close() // before the store closes
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), collectors.NewGoCollector())
	if err := svc.Register(reg); err != nil {
		return err
	}
	agents, err := api.NewTelemetry(api.TelemetryConfig{Service: svc, APs: newMemAPs(n), Staff: staff.New(db, staff.Options{})})
	if err != nil {
		return err
	}
	r := mux.NewRouter()
	agents.Mount(r)
	r.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: r, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	go svc.Run(ctx)
	ready(ln.Addr())
	if err := srv.Serve(ln); err != http.ErrServerClosed {
		return err
	}
	return nil
}
