package controller

import (
	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/staff"
)

// mountRegistry keeps the registry's log and the staff accounts that the
// API and the console sign in with.
func (a *App) mountRegistry() error {
	a.Registry.SetLogger(a.Log.With("component", "registry"))
	a.Staff = staff.New(a.DB, staff.Options{OrgExists: func(code string) bool {
		_, err := a.Registry.Org(code)
		return err == nil
	}})
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
