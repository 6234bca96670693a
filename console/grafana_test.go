package console_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/wifihk/wifihk/bench/radload"
)

// metricRE finds the metric names in a PromQL expression: ours, Go's and
// the process collector's.
var metricRE = regexp.MustCompile(`\b(?:wifihk|go|process)_[a-z0-9_]+\b`)

// dashboardMetrics reads configs/grafana-dashboard.json and returns every
// metric name its panels query.
func dashboardMetrics(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(repoFile("configs", "grafana-dashboard.json"))
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Title  string `json:"title"`
		Panels []struct {
			Type    string `json:"type"`
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(b, &dash); err != nil {
		t.Fatalf("dashboard JSON: %v", err)
	}
	names := map[string]bool{}
	for _, p := range dash.Panels {
		if p.Type == "row" {
			continue
		}
		if len(p.Targets) == 0 {
			t.Errorf("panel %q queries nothing", p.Title)
		}
		for _, tg := range p.Targets {
			found := metricRE.FindAllString(tg.Expr, -1)
			if len(found) == 0 {
				t.Errorf("panel %q: no metric in %q", p.Title, tg.Expr)
			}
			for _, n := range found {
				names[n] = true
			}
		}
	}
	var out []string
	for n := range names {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// TestGrafanaDashboardMatchesMetrics runs a demo server, gives it a little
// of each kind of traffic (RADIUS auth and accounting, a junk packet, an
// agent report, a console sign-in) and checks that every metric the
// dashboard queries is in its /metrics output.
func TestGrafanaDashboardMatchesMetrics(t *testing.T) {
	names := dashboardMetrics(t)
	if len(names) < 15 {
		t.Fatalf("dashboard queries only %d metrics", len(names))
	}
	a := startApp(t, appOpts{demo: true})
	ctx := context.Background()
	// Long enough for the first PAP check on a loaded machine; one answer
	// is all the metrics need.
	res, err := radload.Run(ctx, radload.Config{Server: a.AuthAddr.String(), Secret: "testing123", Mode: "auth",
		Concurrency: 1, Duration: 3 * time.Second})
	if err != nil || res.Accepted == 0 {
		t.Fatalf("radload auth: %+v %v", res, err)
	}
	junk, err := net.Dial("udp", a.AuthAddr.String())
	if err != nil {
		t.Fatal(err)
	}
	junk.Write([]byte("not a RADIUS packet"))
	junk.Close()

	_, token, err := a.Registry.AddAP("orga/A001", "metrics", "02:00:00:00:99:01")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(report(1, time.Now(), 3))
	req, _ := http.NewRequest("POST", a.URL+"/api/v1/agent/reports", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	hres, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	hres.Body.Close()
	if hres.StatusCode/100 != 2 {
		t.Fatalf("agent report: %d", hres.StatusCode)
	}
	signIn(t, client(t), a.URL, "admin")

	// The junk packet is counted asynchronously; wait for it with a deadline.
	var exposition string
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, exposition = get(t, http.DefaultClient, a.URL+"/metrics")
		if strings.Contains(exposition, "wifihk_radius_drops_total{") || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	present := map[string]bool{}
	for _, line := range strings.Split(exposition, "\n") {
		if line == "" || line[0] == '#' {
			continue
		}
		name, _, _ := strings.Cut(line, " ")
		name, _, _ = strings.Cut(name, "{")
		present[name] = true
	}
	for _, n := range names {
		if !present[n] {
			t.Errorf("the dashboard queries %s, which /metrics does not export", n)
		}
	}
	// Every one of our metrics says what it is.
	for _, line := range strings.Split(exposition, "\n") {
		if strings.HasPrefix(line, "# HELP wifihk_") && len(strings.Fields(line)) < 4 {
			t.Errorf("metric without help text: %s", line)
		}
	}
}
