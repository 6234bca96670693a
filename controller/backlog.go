package controller

import (
	"fmt"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/wifihk/wifihk/internal/journal"
)

// backlogSource is a journal whose records wait for the store.
type backlogSource struct {
	name string
	get  func() journal.Backlog
}

// backlogs are what /readyz and /metrics report as how far behind the
// store this node is.
func (a *App) backlogs() []backlogSource {
	var out []backlogSource
	if a.Sessions != nil {
		out = append(out, backlogSource{"accounting", a.Sessions.Backlog})
	}
	if a.Telemetry != nil {
		out = append(out, backlogSource{"reports", a.Telemetry.Backlog})
	}
	return out
}

// registerBacklog exports each journal's backlog as gauges.
func (a *App) registerBacklog() error {
	for _, b := range a.backlogs() {
		labels := prometheus.Labels{"journal": b.name}
		for _, g := range []struct {
			name, help string
			v          func(journal.Backlog) float64
		}{
			{"wifihk_journal_backlog_records", "Records acknowledged and not yet in the store.",
				func(x journal.Backlog) float64 { return float64(x.Records) }},
			{"wifihk_journal_backlog_bytes", "Bytes of records acknowledged and not yet in the store.",
				func(x journal.Backlog) float64 { return float64(x.Bytes) }},
			{"wifihk_journal_backlog_age_seconds", "Age of the oldest record not yet in the store (0: none).",
				func(x journal.Backlog) float64 { return x.Age(time.Now()).Seconds() }},
			{"wifihk_journal_store_failing", "1 while the last attempt to apply the journal to the store failed.",
				func(x journal.Backlog) float64 {
					if x.Failing {
						return 1
					}
					return 0
				}},
		} {
			get, v := b.get, g.v
			err := a.Metrics.Register(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: g.name, Help: g.help, ConstLabels: labels},
				func() float64 { return v(get()) }))
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// backlogText is one line per journal for /readyz.
func (a *App) backlogText() string {
	var s strings.Builder
	now := time.Now()
	for _, b := range a.backlogs() {
		x := b.get()
		state := "applying"
		if x.Failing {
			state = "store unreachable, journaling"
		}
		fmt.Fprintf(&s, "%s journal: %d records, %d bytes behind, oldest %.1fs (%s)\n",
			b.name, x.Records, x.Bytes, x.Age(now).Seconds(), state)
	}
	return s.String()
}
