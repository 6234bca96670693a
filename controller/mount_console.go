package controller

import (
	"os"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/wifihk/wifihk/console"
	"github.com/wifihk/wifihk/internal/store"
	"github.com/wifihk/wifihk/radius"
	"github.com/wifihk/wifihk/usage"
	"github.com/wifihk/wifihk/visitors"
)

// formKeys are the portal's key (forms and CSRF tokens) and the console's
// CSRF key. Each is derived from master.key under its own label, so that
// they survive restarts and agree across controllers (which share
// master.key), yet neither reveals the other or the master key.
func (a *App) formKeys() (portal, console []byte) {
	return a.Sealer.Key("portal forms"), a.Sealer.Key("console csrf")
}

// mountConsole serves the operations console under /console and exports
// the store's size and record counts.
func (a *App) mountConsole() error {
	_, consoleKey := a.formKeys()
	sess := a.Sessions
	vis := visitors.New(a.DB, a.Sealer)
	cfg := console.Config{
		Registry:       a.Registry,
		Auth:           a.Staff,
		Usage:          a.CoverageSources().Usage,
		Sessions:       sess,
		Disconnecter:   &radius.Disconnecter{NAS: a.Registry, Client: radius.CoAClient{Stream: a.coaStream}},
		Vouchers:       vis,
		Accounts:       vis,
		Certs:          vis,
		CAs:            vis,
		Proxy:          a.Proxy,
		Drops:          a.Drops,
		DefaultPlan:    a.Config.Plan,
		CoverageTarget: a.Config.Coverage.TargetVenuesPerDistrict,
		Tiles:          a.Config.Coverage.Tiles(),
		Metrics:        a.Metrics,
		CSRFKey:        consoleKey,
		Log:            a.Log,
	}
	if a.usageAgg != nil { // the figures are kept
		cfg.Figures = usage.Figures{DB: a.DB}
	}
	if a.Telemetry != nil { // a nil *telemetry.Service must stay a nil interface
		cfg.Telemetry = a.Telemetry
	}
	c, err := console.New(cfg)
	if err != nil {
		return err
	}
	c.Mount(a.Router)
	a.Metrics.MustRegister(newStoreCollector(a.DB))
	return nil
}

// storeCollector exports the store file's size and each bucket's record
// count. Counting walks the buckets, so it is done at most every 30 s.
type storeCollector struct {
	db      *store.DB
	size    *prometheus.Desc
	records *prometheus.Desc
	mu      sync.Mutex
	at      time.Time
	counts  map[string]int
}

func newStoreCollector(db *store.DB) *storeCollector {
	return &storeCollector{db: db,
		size:    prometheus.NewDesc("wifihk_store_file_bytes", "Size of the bbolt store file.", nil, nil),
		records: prometheus.NewDesc("wifihk_store_records", "Records in each bucket of the store (counted at most every 30 s).", []string{"bucket"}, nil),
	}
}

func (s *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- s.size
	ch <- s.records
}

func (s *storeCollector) Collect(ch chan<- prometheus.Metric) {
	if fi, err := os.Stat(s.db.Path()); err == nil {
		ch <- prometheus.MustNewConstMetric(s.size, prometheus.GaugeValue, float64(fi.Size()))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.counts == nil || time.Since(s.at) > 30*time.Second {
		counts := map[string]int{}
		err := s.db.View(func(tx *store.Tx) error {
			for _, b := range store.Buckets() {
				n, err := tx.Count(b)
				if err != nil {
					return err
				}
				counts[b] = n
			}
			return nil
		})
		if err == nil {
			s.counts, s.at = counts, time.Now()
		}
	}
	for b, n := range s.counts {
		ch <- prometheus.MustNewConstMetric(s.records, prometheus.GaugeValue, float64(n), b)
	}
}
