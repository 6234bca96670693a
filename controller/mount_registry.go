package controller

import (
	"github.com/wifihk/wifihk/api"
	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/staff"
)

// mountRegistry serves the registry's REST API under /api/v1 and the open
// data under /opendata, and keeps the staff accounts the console signs in
// with.
func (a *App) mountRegistry() error {
	a.Registry.SetLogger(a.Log.With("component", "registry"))
	a.Staff = staff.New(a.DB, staff.Options{OrgExists: func(code string) bool {
		_, err := a.Registry.Org(code)
		return err == nil
	}})
	api, err := api.New(api.Config{
		Registry:       a.Registry,
		Auth:           a.Staff,
		DefaultPlan:    a.Config.Plan,
		MaxBody:        min(a.Config.HTTP.MaxBodyBytes, 64<<10),
		CoverageTarget: a.Config.Coverage.TargetVenuesPerDistrict,
		Sources:        a.CoverageSources,
		Log:            a.Log.With("component", "registry-api"),
	})
	if err != nil {
		return err
	}
	api.Mount(a.Router)
	return nil
}

// CoverageSources are the live counts of coverage: AP heartbeats from
// telemetry and usage from the accounting sessions. One that is
// missing shows as "unknown".
func (a *App) CoverageSources() hotspots.CoverageSources {
	var src hotspots.CoverageSources
	if a.Telemetry != nil {
		src.APStatus = a.Telemetry
	}
	if a.usage != nil {
		src.Usage = a.usage
	}
	return src
}
