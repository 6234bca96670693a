package server

import (
	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/hotspots/httpapi"
	"github.com/wifihk/wifihk/internal/auth"
)

// mountRegistry serves the registry's REST API under /api/v1 and the open
// data under /opendata, and keeps the staff accounts the console signs in
// with.
func (a *App) mountRegistry() error {
	a.Registry.SetLogger(a.Log.With("component", "registry"))
	a.Staff = auth.New(a.DB, auth.Options{OrgExists: func(code string) bool {
		_, err := a.Registry.Org(code)
		return err == nil
	}})
	api, err := httpapi.New(httpapi.Config{
		Registry:       a.Registry,
		Auth:           a.Staff,
		DefaultPlan:    a.Config.Plan,
		MaxBody:        min(a.Config.HTTP.MaxBodyBytes, 64<<10),
		CoverageTarget: a.Config.Coverage.TargetVenuesPerDistrict,
		Sources:        a.coverageSources,
		Log:            a.Log.With("component", "registry-api"),
	})
	if err != nil {
		return err
	}
	api.Mount(a.Router)
	return nil
}

// coverageSources are the live counts wired in so far: AP heartbeats from
// hotspots/telemetry and usage from internal/sessions, each "unknown" in
// coverage until its package provides the interface.
func (a *App) coverageSources() hotspots.CoverageSources {
	var src hotspots.CoverageSources
	if a.Telemetry != nil {
		src.APStatus = a.Telemetry
	}
	return src
}
