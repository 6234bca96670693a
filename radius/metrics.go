package radius

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	layeh "layeh.com/radius"
)

// Metrics are the RADIUS server's counters, exported at /metrics.
type Metrics struct {
	requests   *prometheus.CounterVec
	replies    *prometheus.CounterVec
	drops      *prometheus.CounterVec
	duplicates *prometheus.CounterVec
	latency    *prometheus.HistogramVec
	disconnect *prometheus.CounterVec
	auth       *prometheus.CounterVec
	eap        *prometheus.CounterVec
	eapConvs   *prometheus.GaugeVec
}

// NewMetrics registers the RADIUS metrics on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wifihk_radius_requests_total", Help: "RADIUS requests received from known NAS, by port and code.",
		}, []string{"server", "code"}),
		replies: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wifihk_radius_replies_total", Help: "RADIUS replies sent (not counting resent duplicates), by port and code.",
		}, []string{"server", "code"}),
		drops: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wifihk_radius_drops_total", Help: "RADIUS packets dropped, by port and reason.",
		}, []string{"server", "reason"}),
		duplicates: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wifihk_radius_duplicates_total", Help: "Retransmissions answered from the reply cache (RFC 5080).",
		}, []string{"server"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "wifihk_radius_request_duration_seconds", Help: "Time from receiving a request to sending its reply.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, 1},
		}, []string{"server"}),
		disconnect: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wifihk_radius_coa_total", Help: "Disconnect- and CoA-Requests sent, by code and answer.",
		}, []string{"code", "result"}),
		auth: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wifihk_radius_auth_total", Help: "Access-Request decisions: accept, or the reason for a reject.",
		}, []string{"result"}),
		eap: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wifihk_radius_eap_total", Help: "EAP conversations that ended, by method (ttls-pap, ttls-mschapv2, peap-mschapv2, ttls-resumed, peap-resumed) and accept or reject.",
		}, []string{"method", "result"}),
		eapConvs: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "wifihk_radius_eap_conversations", Help: "EAP conversations held, before TLS (pre_tls) and in TLS (tls).",
		}, []string{"state"}),
	}
	reg.MustRegister(m.requests, m.replies, m.drops, m.duplicates, m.latency, m.disconnect, m.auth, m.eap, m.eapConvs)
	return m
}

// serverMetrics are one listener's counters, resolved once.
type serverMetrics struct {
	m       *Metrics
	name    string
	mu      sync.Mutex
	byCode  map[counterKey]prometheus.Counter
	dups    prometheus.Counter
	latency prometheus.Observer
}

func (m *Metrics) forServer(name string) *serverMetrics {
	return &serverMetrics{m: m, name: name, byCode: map[counterKey]prometheus.Counter{},
		dups: m.duplicates.WithLabelValues(name), latency: m.latency.WithLabelValues(name)}
}

// counterKey names one of a listener's counters without building a
// string per packet.
type counterKey struct {
	vec   *prometheus.CounterVec
	label string
}

func (s *serverMetrics) counter(vec *prometheus.CounterVec, label string) prometheus.Counter {
	key := counterKey{vec, label}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.byCode[key]
	if !ok {
		c = vec.WithLabelValues(s.name, label)
		s.byCode[key] = c
	}
	return c
}

func (s *serverMetrics) request(c layeh.Code) { s.counter(s.m.requests, c.String()).Inc() }
func (s *serverMetrics) reply(c layeh.Code)   { s.counter(s.m.replies, c.String()).Inc() }
func (s *serverMetrics) drop(reason string)   { s.counter(s.m.drops, reason).Inc() }
