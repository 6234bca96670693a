package telemetry

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the ingest's Prometheus metrics.
type Metrics struct {
	reports *prometheus.CounterVec
	latency prometheus.Histogram
	bytes   *prometheus.CounterVec
	alerts  *prometheus.CounterVec
	online  prometheus.GaugeFunc
	known   prometheus.GaugeFunc
}

func newMetrics(s *Service) *Metrics {
	return &Metrics{
		reports: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wifihk_agent_reports_total",
			Help: "Agent reports received, by result (stored, duplicate, unauthorized, malformed, too_large, error).",
		}, []string{"result"}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "wifihk_agent_report_seconds",
			Help:    "Time to authenticate, decode and durably store one agent report.",
			Buckets: []float64{.001, .002, .005, .01, .02, .05, .1, .25, .5, 1},
		}),
		bytes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wifihk_agent_client_bytes_total",
			Help: "Client traffic reported by agents, by direction (up, down).",
		}, []string{"direction"}),
		alerts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wifihk_ap_alerts_total",
			Help: "AP alerts raised, by kind (offline, recovered).",
		}, []string{"kind"}),
		online: prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "wifihk_aps_online",
			Help: "APs whose agent reported within the last missed-interval window.",
		}, func() float64 { on, _ := s.Counts(); return float64(on) }),
		known: prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "wifihk_aps_reporting",
			Help: "APs whose agent has ever reported.",
		}, func() float64 { _, k := s.Counts(); return float64(k) }),
	}
}

// Register adds the metrics to reg.
func (s *Service) Register(reg prometheus.Registerer) error {
	m := s.metrics
	for _, c := range []prometheus.Collector{m.reports, m.latency, m.bytes, m.alerts, m.online, m.known} {
		if err := reg.Register(c); err != nil {
			return err
		}
	}
	return nil
}

// ReportResult is what became of one agent report, the result label of
// wifihk_agent_reports_total.
type ReportResult string

// The results of an agent report.
const (
	ReportStored       ReportResult = "stored"
	ReportDuplicate    ReportResult = "duplicate"
	ReportUnauthorized ReportResult = "unauthorized"
	ReportMalformed    ReportResult = "malformed"
	ReportTooLarge     ReportResult = "too_large"
	ReportError        ReportResult = "error"
)

// CountReport records one report's result and how long it took, from
// receipt to answer. The HTTP side calls it once per request.
func (s *Service) CountReport(result ReportResult, took time.Duration) {
	s.metrics.reports.WithLabelValues(string(result)).Inc()
	s.metrics.latency.Observe(took.Seconds())
}
