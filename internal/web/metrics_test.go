package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gorilla/mux"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestRouteMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	r := mux.NewRouter()
	r.HandleFunc("/portal", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("hi")) }).Methods("GET")
	r.HandleFunc("/portal/connect", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("ok") != "" {
			http.Redirect(w, r, "http://10.1.0.1:3990/logon?username=u&response=r", http.StatusFound)
			return
		}
		http.Error(w, "no", http.StatusTooManyRequests)
	}).Methods("POST")
	r.HandleFunc("/console", func(w http.ResponseWriter, _ *http.Request) {}).Methods("GET")
	m := NewRouteMetrics(reg, "portal", "/portal")
	m.Init(r)
	r.Use(m.Middleware)

	for _, req := range []*http.Request{
		httptest.NewRequest("GET", "/portal", nil),
		httptest.NewRequest("GET", "/portal", nil),
		httptest.NewRequest("POST", "/portal/connect?ok=1", nil),
		httptest.NewRequest("POST", "/portal/connect", nil),
		httptest.NewRequest("GET", "/console", nil),
	} {
		r.ServeHTTP(httptest.NewRecorder(), req)
	}
	for _, tc := range []struct {
		c    prometheus.Collector
		want float64
	}{
		{m.requests.WithLabelValues("/portal", "2xx"), 2},
		{m.requests.WithLabelValues("/portal/connect", "3xx"), 1},
		{m.requests.WithLabelValues("/portal/connect", "4xx"), 1},
		{m.logons.WithLabelValues("/portal/connect", "logon"), 1},
		{m.logons.WithLabelValues("/portal/connect", "refused"), 1},
	} {
		if got := testutil.ToFloat64(tc.c); got != tc.want {
			t.Errorf("%v: %v, want %v", tc.c, got, tc.want)
		}
	}
	out, _ := testutil.GatherAndCount(reg, "wifihk_portal_request_duration_seconds")
	if out != 2 {
		t.Errorf("%d duration series, want 2 (one per portal route; /console is not counted)", out)
	}
	if n, _ := testutil.GatherAndCount(reg); n == 0 || strings.Contains(fmtLabels(reg), "/console") {
		t.Error("the console's route must not be labelled in the portal's metrics")
	}
}

func fmtLabels(reg *prometheus.Registry) string {
	mfs, _ := reg.Gather()
	var b strings.Builder
	for _, mf := range mfs {
		for _, m := range mf.Metric {
			for _, l := range m.Label {
				b.WriteString(l.GetValue() + " ")
			}
		}
	}
	return b.String()
}
