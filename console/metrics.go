package console

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the console's own. Labels are bounded: page is one of the
// route names, code an HTTP status class, result a fixed word.
type metrics struct {
	requests    *prometheus.CounterVec
	duration    *prometheus.HistogramVec
	logins      *prometheus.CounterVec
	disconnects *prometheus.CounterVec
	venuesAdded prometheus.Counter
	apsAdded    prometheus.Counter
	vouchers    prometheus.Counter
	mapVenues   prometheus.Gauge
}

// pageLabels are every value of the page label, initialised at zero so
// dashboards see the series before the first request.
var pageLabels = []string{"login", "logout", "coverage", "venues", "venue", "venue_new", "sessions",
	"disconnect", "alerts", "vouchers", "voucher_print"}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wifihk_console_requests_total", Help: "Console page requests, by page and status class (2xx, 3xx, 4xx, 5xx).",
		}, []string{"page", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "wifihk_console_request_duration_seconds", Help: "Time to build and send a console page, by page.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"page"}),
		logins: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wifihk_console_logins_total", Help: "Console sign-in attempts, by result (ok, failed, throttled).",
		}, []string{"result"}),
		disconnects: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wifihk_console_disconnects_total", Help: "Disconnect buttons pressed, by the NAS's answer (ack, nak, error).",
		}, []string{"result"}),
		venuesAdded: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "wifihk_console_venues_created_total", Help: "Venues registered through the console.",
		}),
		apsAdded: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "wifihk_console_aps_created_total", Help: "Access points registered through the console.",
		}),
		vouchers: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "wifihk_console_vouchers_created_total", Help: "Voucher codes generated through the console.",
		}),
		mapVenues: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "wifihk_console_map_venues", Help: "Venues drawn on the last coverage map rendered.",
		}),
	}
	for _, p := range pageLabels {
		m.requests.WithLabelValues(p, "2xx")
		m.duration.WithLabelValues(p)
	}
	for _, r := range []string{"ok", "failed", "throttled"} {
		m.logins.WithLabelValues(r)
	}
	for _, r := range []string{"ack", "nak", "error"} {
		m.disconnects.WithLabelValues(r)
	}
	if reg != nil {
		reg.MustRegister(m.requests, m.duration, m.logins, m.disconnects, m.venuesAdded, m.apsAdded, m.vouchers, m.mapVenues)
	}
	return m
}

func (m *metrics) observe(page string, code int, start time.Time) {
	m.requests.WithLabelValues(page, strconv.Itoa(code/100)+"xx").Inc()
	m.duration.WithLabelValues(page).Observe(time.Since(start).Seconds())
}

func (m *metrics) login(result string) { m.logins.WithLabelValues(result).Inc() }
