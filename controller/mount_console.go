package controller

import (
	"crypto/hmac"
	"crypto/sha256"
	"os"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/wifihk/wifihk/console"
	"github.com/wifihk/wifihk/internal/store"
	"github.com/wifihk/wifihk/portal"
	"github.com/wifihk/wifihk/radius"
	"github.com/wifihk/wifihk/visitors"
)

// mountConsole serves the operations console under /console and exports
// the store's size and record counts.
func (a *App) mountConsole() error {
	key, err := portal.LoadKey(a.DB, a.Sealer)
	if err != nil {
		return err
	}
	// The console's CSRF key is derived from the stored form key, so that
	// tokens survive restarts and agree across controllers, yet a portal
	// token is no console token.
	m := hmac.New(sha256.New, key)
	m.Write([]byte("wifihk console csrf"))
	sess := a.Sessions
	cfg := console.Config{
		Registry:       a.Registry,
		Auth:           a.Staff,
		Usage:          a.CoverageSources().Usage,
		Sessions:       sess,
		Disconnecter:   &radius.CoAClient{},
		Vouchers:       visitors.New(a.DB, a.Sealer),
		DefaultPlan:    a.Config.Plan,
		CoverageTarget: a.Config.Coverage.TargetVenuesPerDistrict,
		Metrics:        a.Metrics,
		CSRFKey:        m.Sum(nil),
		Log:            a.Log,
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

// storeBuckets are the buckets counted: one series each, a fixed set.
var storeBuckets = []string{store.NAS, store.Orgs, store.Venues, store.Plans, store.APs, store.Staff, store.Tokens,
	store.Audit, store.Visitors, store.Devices, store.Credentials, store.Allowances, store.Sessions, store.AcctSeen,
	store.Reports, store.APStatus, store.Series, store.Alerts, store.PortalEvents}

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
			for _, b := range storeBuckets {
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
