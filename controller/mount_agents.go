package controller

import (
	"time"

	"github.com/wifihk/wifihk/internal/datadir"
	"github.com/wifihk/wifihk/telemetry"
)

// mountAgents starts the telemetry service that takes the agents' reports
// (served by mountAPI) and watches for APs that stop reporting.
func (a *App) mountAgents() error {
	// Reports are made durable in a journal beside the database and
	// applied to it in the background (see telemetry/journal.go).
	r := a.Config.Retention
	svc, err := telemetry.New(telemetry.Config{DB: a.DB, JournalPath: datadir.Dir(a.Config.DataDir).ReportsJournal(),
		APRetention: r.APSeries, VenueRetention: r.VenueSeries, AlertRetention: r.Alerts, ReceiptRetention: r.Receipts,
		Log: a.Log.With("component", "telemetry"),
		OnReport: func(venue string, at time.Time, clients int) {
			if a.usageAgg != nil {
				a.usageAgg.APReport(venue, at, clients)
			}
		}})
	if err != nil {
		return err
	}
	if err := svc.Register(a.Metrics); err != nil {
		svc.Close()
		return err
	}
	a.Telemetry = svc
	a.runUntilStop(svc.Run)
	// Once HTTP has drained, the journal's last reports go to the
	// database, which Run closes after that.
	a.onClose(svc.Close)
	return nil
}
