package telemetry

import (
	"fmt"
	"time"

	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/internal/store"
)

// Alert kinds.
const (
	AlertOffline   = "offline"   // no report for MissedIntervals intervals
	AlertRecovered = "recovered" // reports again after being offline
)

// Alert is an AP going offline or coming back.
type Alert struct {
	ID         uint64    `json:"id"`
	AP         string    `json:"ap"`
	Venue      string    `json:"hotspot"`
	Kind       string    `json:"kind"`
	At         time.Time `json:"at"`
	LastReport time.Time `json:"last_report"`
}

func addAlert(tx *store.Tx, a Alert) error {
	id, err := tx.NextID(store.Alerts)
	if err != nil {
		return err
	}
	a.ID = id
	return tx.Put(store.Alerts, store.SeqKey(id), &a)
}

// AlertFilter selects alerts; zero fields select everything.
type AlertFilter struct {
	Since time.Time
	AP    string
	Org   string // organisation code, for scoped staff
	Limit int    // newest first; default 100, at most 1000
}

// Alerts lists alerts newest first.
func (s *Service) Alerts(f AlertFilter) ([]Alert, error) {
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = min(max(f.Limit, 100), 1000)
	}
	var all []Alert
	s.readBarrier()
	err := s.db.View(func(tx *store.Tx) (err error) {
		all, err = store.List(tx, store.Alerts, store.Query[Alert]{Keep: func(a *Alert) bool {
			return !a.At.Before(f.Since) && (f.AP == "" || a.AP == f.AP) && (f.Org == "" || hotspots.VenueKey(a.Venue).Org() == f.Org)
		}})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("telemetry: alerts: %w", err)
	}
	out := make([]Alert, 0, min(len(all), f.Limit))
	for i := len(all) - 1; i >= 0 && len(out) < f.Limit; i-- {
		out = append(out, all[i])
	}
	return out, nil
}
