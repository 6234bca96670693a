package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/gorilla/mux"
	"github.com/prometheus/client_golang/prometheus"
)

// RouteMetrics counts and times the requests of the routes whose path
// template starts with a prefix, labelled by route template (a fixed set,
// so cardinality stays small) and status class. Requests that end in a
// redirect to a gateway's /logon are counted as logons.
type RouteMetrics struct {
	prefix   string
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	logons   *prometheus.CounterVec
}

// NewRouteMetrics registers namespace_subsystem_{requests_total,
// request_duration_seconds, logons_total} on reg.
func NewRouteMetrics(reg prometheus.Registerer, subsystem, prefix string) *RouteMetrics {
	m := &RouteMetrics{
		prefix: prefix,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "wifihk", Subsystem: subsystem, Name: "requests_total",
			Help: "HTTP requests, by route template and status class (2xx, 3xx, 4xx, 5xx).",
		}, []string{"route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "wifihk", Subsystem: subsystem, Name: "request_duration_seconds",
			Help:    "Time to answer an HTTP request, by route template.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, 1},
		}, []string{"route"}),
		logons: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "wifihk", Subsystem: subsystem, Name: "logons_total",
			Help: "Login forms answered, by route and result: logon (sent on to the gateway's /logon) or refused.",
		}, []string{"route", "result"}),
	}
	reg.MustRegister(m.requests, m.duration, m.logons)
	return m
}

// Init creates the series of every matching route of r at zero, so that
// dashboards see them before the first request.
func (m *RouteMetrics) Init(r *mux.Router) {
	r.Walk(func(rt *mux.Route, _ *mux.Router, _ []*mux.Route) error {
		if t, err := rt.GetPathTemplate(); err == nil && strings.HasPrefix(t, m.prefix) {
			m.duration.WithLabelValues(t)
			m.requests.WithLabelValues(t, "2xx")
			if methods, _ := rt.GetMethods(); len(methods) == 1 && methods[0] == http.MethodPost {
				m.logons.WithLabelValues(t, "logon")
				m.logons.WithLabelValues(t, "refused")
			}
		}
		return nil
	})
}

// Middleware measures the requests of matching routes (use with
// mux.Router.Use, which runs it after the route is matched).
func (m *RouteMetrics) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rt := mux.CurrentRoute(r)
		tmpl := ""
		if rt != nil {
			tmpl, _ = rt.GetPathTemplate()
		}
		if !strings.HasPrefix(tmpl, m.prefix) {
			next.ServeHTTP(w, r)
			return
		}
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
		next.ServeHTTP(sw, r)
		m.duration.WithLabelValues(tmpl).Observe(time.Since(start).Seconds())
		m.requests.WithLabelValues(tmpl, string("12345"[sw.code/100-1])+"xx").Inc()
		if r.Method == http.MethodPost {
			result := "refused"
			if loc := sw.Header().Get("Location"); sw.code/100 == 3 && strings.Contains(loc, "/logon?") {
				result = "logon"
			}
			m.logons.WithLabelValues(tmpl, result).Inc()
		}
	})
}

type statusWriter struct {
	http.ResponseWriter
	code  int
	wrote bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.code, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the real writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
