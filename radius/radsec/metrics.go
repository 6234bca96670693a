package radsec

import "github.com/prometheus/client_golang/prometheus"

// Why a connection was refused or closed: labels of the metrics below.
const (
	refusedOverLimit = "over_limit"   // MaxConns connections already open
	refusedHandshake = "handshake"    // TLS failed: no or untrusted certificate, old version
	refusedUnknown   = "unknown_cert" // a trusted certificate that names no NAS
	closedEOF        = "eof"          // the client closed it
	closedIdle       = "idle"         // nothing read for IdleTimeout
	closedFraming    = "framing"      // junk where a packet should start
	closedWriteError = "write_error"  // a reply could not be written in time
	closedShutdown   = "shutdown"     // the server is stopping
	closedError      = "error"        // another read error (TLS alert, reset)
)

// Metrics are the RadSec server's counters, exported at /metrics.
type Metrics struct {
	conns    prometheus.Gauge
	accepted prometheus.Counter
	refusedV *prometheus.CounterVec
	closedV  *prometheus.CounterVec
}

// NewMetrics registers the RadSec metrics on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		conns: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "wifihk_radsec_connections", Help: "RadSec connections open (including those in the TLS handshake).",
		}),
		accepted: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "wifihk_radsec_accepted_total", Help: "RadSec connections from a NAS identified by its certificate.",
		}),
		refusedV: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wifihk_radsec_refused_total", Help: "RadSec connections refused, by reason (over_limit, handshake, unknown_cert).",
		}, []string{"reason"}),
		closedV: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wifihk_radsec_closed_total", Help: "Accepted RadSec connections that ended, by reason (eof, idle, framing, write_error, shutdown, error).",
		}, []string{"reason"}),
	}
	reg.MustRegister(m.conns, m.accepted, m.refusedV, m.closedV)
	return m
}

func (m *Metrics) refused(reason string) { m.refusedV.WithLabelValues(reason).Inc() }
func (m *Metrics) closed(reason string)  { m.closedV.WithLabelValues(reason).Inc() }
