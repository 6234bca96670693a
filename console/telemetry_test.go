package console_test

import (
	"context"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/mux"

	"github.com/wifihk/wifihk/agent/wire"
	"github.com/wifihk/wifihk/console"
	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/telemetry"
)

// clock is a settable time for the telemetry service.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func report(seq uint64, end time.Time, clients int) *wire.Report {
	return &wire.Report{Version: wire.Version, Seq: seq, AgentVersion: "test", Start: end.Add(-time.Minute), End: end,
		IntervalS: 60, AP: wire.APStats{ClientsInterval: clients, ClientsNow: clients, BytesUp: 1e6, BytesDown: 4e6}}
}

// dotGroup returns which status group of the map holds venue key.
func dotGroup(t *testing.T, page, key string) string {
	t.Helper()
	for _, g := range []string{"on", "off", "na"} {
		m := regexp.MustCompile(`<g class="` + g + `">(.*?)</g>`).FindStringSubmatch(page)
		if m != nil && strings.Contains(m[1], `data-venue="`+key+`"`) {
			return g
		}
	}
	t.Fatalf("venue %s is not on the map", key)
	return ""
}

// TestAPStatusFromTelemetry runs the console over the agents' real
// telemetry service with a settable clock: reporting APs are online, one
// that stops is offline (its venue's dot turns red and it is an alert),
// and one that comes back is listed as recovered.
func TestAPStatusFromTelemetry(t *testing.T) {
	a := startApp(t, appOpts{})
	// On a 5-minute boundary, where the current bucket starts now.
	clk := &clock{t: time.Now().Truncate(5 * time.Minute)}
	tel, err := telemetry.New(telemetry.Config{DB: a.DB, Now: clk.now})
	if err != nil {
		t.Fatal(err)
	}
	c, err := console.New(console.Config{Registry: a.Registry, Auth: a.Staff, Telemetry: tel, Now: clk.now})
	if err != nil {
		t.Fatal(err)
	}
	r := mux.NewRouter()
	c.Mount(r)
	srv := httptest.NewServer(r)
	defer srv.Close()

	apA, _, err := a.Registry.AddAP("orga/A001", "hall", "02:00:00:00:0a:01")
	if err != nil {
		t.Fatal(err)
	}
	apB, _, err := a.Registry.AddAP("orgb/B001", "lobby", "02:00:00:00:0b:01")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, ap := range []hotspots.AP{apA, apB} {
		if _, err := tel.Ingest(ctx, ap, report(1, clk.now(), 7)); err != nil {
			t.Fatal(err)
		}
	}
	cl := client(t)
	signIn(t, cl, srv.URL, "admin")
	_, page := get(t, cl, srv.URL+"/console/coverage")
	if g := dotGroup(t, page, "orga/A001"); g != "on" {
		t.Errorf("reporting AP's venue is %q, want on", g)
	}
	if !strings.Contains(page, "1 / 1") { // Wan Chai: APs online / total from the registry's coverage
		t.Error("district table does not count the online AP")
	}
	_, venue := get(t, cl, srv.URL+"/console/venues/orga/A001")
	if !strings.Contains(venue, `<svg xmlns="http://www.w3.org/2000/svg" class="chart"`) || !strings.Contains(venue, "peak 7") {
		t.Error("venue page has no clients chart from the reports")
	}

	// Both go quiet; then B reports again.
	clk.add(10 * time.Minute)
	if err := tel.CheckOffline(); err != nil {
		t.Fatal(err)
	}
	if _, err := tel.Ingest(ctx, apB, report(2, clk.now(), 2)); err != nil {
		t.Fatal(err)
	}
	_, page = get(t, cl, srv.URL+"/console/coverage")
	if g := dotGroup(t, page, "orga/A001"); g != "off" {
		t.Errorf("silent AP's venue is %q, want off", g)
	}
	if g := dotGroup(t, page, "orgb/B001"); g != "on" {
		t.Errorf("recovered AP's venue is %q, want on", g)
	}
	_, alerts := get(t, cl, srv.URL+"/console/alerts")
	off, rec := strings.Index(alerts, `id="h-off"`), strings.Index(alerts, `id="h-rec"`)
	if off < 0 || rec < 0 {
		t.Fatal("alerts page sections missing")
	}
	if !strings.Contains(alerts[off:rec], `data-ap="`+apA.ID+`"`) || strings.Contains(alerts[off:rec], `data-ap="`+apB.ID+`"`) {
		t.Errorf("offline list wrong: %s", alerts[off:rec])
	}
	if !strings.Contains(alerts[rec:], `data-ap="`+apB.ID+`"`) {
		t.Error("recovered AP not listed")
	}

	// The venue list filters on the same status.
	for _, tc := range []struct{ status, in, out string }{{"off", "orga/A001", "orgb/B001"}, {"on", "orgb/B001", "orga/A001"}, {"na", "", "orga/A001"}} {
		_, list := get(t, cl, srv.URL+"/console/venues?status="+tc.status)
		if (tc.in != "" && !strings.Contains(list, "<td>"+tc.in+"</td>")) || strings.Contains(list, "<td>"+tc.out+"</td>") {
			t.Errorf("venues with status %s: want %q in, %q out", tc.status, tc.in, tc.out)
		}
	}

	// orgb's operator sees neither orga's AP nor its alert.
	op := client(t)
	signIn(t, op, srv.URL, "op-b")
	_, alerts = get(t, op, srv.URL+"/console/alerts")
	if strings.Contains(alerts, `data-ap="`+apA.ID+`"`) {
		t.Error("orgb's operator sees orga's offline AP")
	}
}
