package controller

import (
	"net/http"
	"time"

	"github.com/wifihk/wifihk/api"
	"github.com/wifihk/wifihk/usage"
	"github.com/wifihk/wifihk/visitors"
)

// mountAPI serves every staff and agent route under /api/v1 (the
// registry, voucher batches, agent reports, AP status, series and alerts)
// and the open data under /opendata. It runs after mountAgents, whose
// telemetry service the agent routes call.
func (a *App) mountAPI() error {
	cfg := api.Config{
		Registry:       a.Registry,
		Auth:           a.Staff,
		DefaultPlan:    a.Config.Plan,
		MaxBody:        min(a.Config.HTTP.MaxBodyBytes, 64<<10),
		CoverageTarget: a.Config.Coverage.TargetVenuesPerDistrict,
		Sources:        a.CoverageSources,
		Telemetry:      a.Telemetry,
		Vouchers:       visitors.New(a.DB, a.Sealer),
		ClientCAs:      visitors.New(a.DB, a.Sealer),
		UsageDays:      func(from, to time.Time) ([]usage.Day, error) { return usage.Published(a.DB, from, to) },
		Proxy:          a.Proxy,
		Log:            a.Log.With("component", "api"),
	}
	h, err := api.New(cfg)
	if err != nil {
		return err
	}
	h.Mount(a.Router)
	// What no route takes under /api/v1 answers a Problem too.
	a.Router.NotFoundHandler = api.Unrouted(http.StatusNotFound, http.NotFoundHandler())
	a.Router.MethodNotAllowedHandler = api.Unrouted(http.StatusMethodNotAllowed, nil)
	return nil
}
