package cli

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/wifihk/wifihk/hotspots/realvenues"
	"github.com/wifihk/wifihk/internal/browsertest"
	"github.com/wifihk/wifihk/telemetry"
	"github.com/wifihk/wifihk/usage"
)

// demoServer is serve -demo running on a data dir until stop.
type demoServer struct {
	base    string // http://127.0.0.1:PORT
	started time.Time
	out     *syncBuffer
	stop    func() int // its exit code
}

// syncBuffer is a stderr the test reads while serve writes it.
type syncBuffer struct{ lockedWriter }

func newSyncBuffer() *syncBuffer { return &syncBuffer{lockedWriter{w: &bytes.Buffer{}}} }

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.(*bytes.Buffer).String()
}

var consoleLine = regexp.MustCompile(`demo: the console is at (http://127\.0\.0\.1:\d+)/console/ \(admin / wifihk-demo\)`)

// startDemo runs serve -demo on dir and waits until it says where the
// console is, which it does once the simulated past day is in.
func startDemo(t *testing.T, dir string) *demoServer {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	d := &demoServer{started: time.Now(), out: newSyncBuffer()}
	code := make(chan int, 1)
	go func() {
		code <- Run(ctx, []string{"serve", "-demo", "-data", dir, "-http", "127.0.0.1:0", "-https", "127.0.0.1:0",
			"-radius-auth", "127.0.0.1:0", "-radius-acct", "127.0.0.1:0"}, &bytes.Buffer{}, d.out)
	}()
	d.stop = func() int { cancel(); return <-code }
	deadline := time.Now().Add(90 * time.Second)
	for {
		if m := consoleLine.FindStringSubmatch(d.out.String()); m != nil {
			d.base = m[1]
			return d
		}
		select {
		case c := <-code:
			t.Fatalf("serve -demo exited %d before it was ready:\n%s", c, d.out.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			d.stop()
			t.Fatalf("serve -demo printed no console URL in 90s:\n%s", d.out.String())
		}
	}
}

// demoClient signs in to the console and staff API as the demo admin.
func demoClient(t *testing.T, base string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	res, err := c.Post(base+"/api/v1/auth/login", "application/json", strings.NewReader(`{"username":"admin","password":"wifihk-demo"}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("sign in as the demo admin: %s", res.Status)
	}
	return c
}

func getBody(t *testing.T, c *http.Client, url string) []byte {
	t.Helper()
	res, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s\n%s", url, res.Status, b.String())
	}
	return b.Bytes()
}

func getJSON(t *testing.T, c *http.Client, url string, v any) {
	t.Helper()
	if err := json.Unmarshal(getBody(t, c, url), v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}

// demoState is what the console and API show of the demo network.
type demoState struct {
	venues   int
	aps      []string   // AP ids
	offline  []string   // AP names
	alerts   []string   // offline alerts' APs
	sessions [][]string // history CSV rows, header first
	open     int
}

func readDemo(t *testing.T, c *http.Client, base string) demoState {
	t.Helper()
	var st demoState
	var venues struct{ Total int }
	getJSON(t, c, base+"/api/v1/venues?per_page=1", &venues)
	st.venues = venues.Total
	var aps struct {
		Items []struct{ ID, Name string }
	}
	getJSON(t, c, base+"/api/v1/aps?per_page=100", &aps)
	for _, ap := range aps.Items {
		st.aps = append(st.aps, ap.ID)
		var s telemetry.Status
		getJSON(t, c, base+"/api/v1/aps/"+ap.ID+"/status", &s)
		if !s.Online {
			st.offline = append(st.offline, ap.Name)
		}
	}
	var alerts struct{ Alerts []telemetry.Alert }
	getJSON(t, c, base+"/api/v1/alerts", &alerts)
	for _, a := range alerts.Alerts {
		if a.Kind == telemetry.AlertOffline {
			st.alerts = append(st.alerts, a.AP)
		}
	}
	rows, err := csv.NewReader(bytes.NewReader(getBody(t, c, base+"/console/sessions/history.csv"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	st.sessions = rows
	st.open = strings.Count(string(getBody(t, c, base+"/console/sessions")), "demo-sim-")
	return st
}

// TestServeDemo starts serve -demo on a new data dir and checks, through
// the console and the API, that it shows a live network: the real
// venues, the simulated APs with one offline and its alert, open and past
// sessions, analytics and yesterday's open usage data; then starts it
// again and checks that nothing was added twice.
func TestServeDemo(t *testing.T) {
	dir := t.TempDir()
	first := startDemo(t, dir)
	ready := time.Since(first.started)
	c := demoClient(t, first.base)
	waitOfflineAlert(t, c, first.base)
	st := readDemo(t, c, first.base)
	if st.venues != realvenues.Venues {
		t.Errorf("%d venues, want the %d shipped", st.venues, realvenues.Venues)
	}
	if len(st.aps) < 6 || len(st.offline) != 1 || !slices.Equal(st.alerts, []string{lookupID(t, c, first.base, st.offline[0])}) {
		t.Errorf("APs %v, offline %v, offline alerts %v: want 6 or more APs, one offline with one alert", st.aps, st.offline, st.alerts)
	}
	if len(st.sessions) < 100 {
		t.Errorf("%d sessions in the history, want a day's", len(st.sessions)-1)
	}
	if st.open == 0 {
		t.Error("no open session of the simulated gateways on the sessions page")
	}
	checkAnalytics(t, c, first.base)
	checkOpenUsage(t, c, first.base)
	t.Run("browser", func(t *testing.T) { browseDemo(t, first.base) })
	for _, want := range []string{"loaded the 5430 real Wi-Fi.HK venues", "simulated APs at 7 real venues in 7 districts", "played the past day"} {
		if !strings.Contains(first.out.String(), want) {
			t.Errorf("serve -demo did not say %q:\n%s", want, first.out.String())
		}
	}
	if code := first.stop(); code != 0 {
		t.Fatalf("serve -demo exited %d:\n%s", code, first.out.String())
	}
	t.Logf("serve -demo on a new data dir: console ready after %v", ready.Round(time.Millisecond))

	second := startDemo(t, dir)
	t.Logf("serve -demo again: console ready after %v", time.Since(second.started).Round(time.Millisecond))
	defer second.stop()
	again := readDemo(t, demoClient(t, second.base), second.base)
	if again.venues != st.venues || !slices.Equal(again.aps, st.aps) || !slices.Equal(again.alerts, st.alerts) {
		t.Errorf("second start: %d venues, APs %v, offline alerts %v; the first had %d, %v, %v",
			again.venues, again.aps, again.alerts, st.venues, st.aps, st.alerts)
	}
	if !strings.Contains(second.out.String(), "venues are loaded already") || !strings.Contains(second.out.String(), "played on the first start") {
		t.Errorf("the second start did not say it loaded and played nothing:\n%s", second.out.String())
	}
	checkNoSessionTwice(t, st.sessions, again.sessions, first.started.Add(ready))
}

// waitOfflineAlert waits until the alerts list an AP offline, which
// the demo raises within seconds of saying it is ready.
func waitOfflineAlert(t *testing.T, c *http.Client, base string) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		var alerts struct{ Alerts []telemetry.Alert }
		getJSON(t, c, base+"/api/v1/alerts", &alerts)
		if len(alerts.Alerts) > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("no alert 30s after the demo was ready")
		}
	}
}

// lookupID is the id of the AP named name.
func lookupID(t *testing.T, c *http.Client, base, name string) string {
	var aps struct {
		Items []struct{ ID, Name string }
	}
	getJSON(t, c, base+"/api/v1/aps?per_page=100", &aps)
	for _, ap := range aps.Items {
		if ap.Name == name {
			return ap.ID
		}
	}
	return ""
}

// checkNoSessionTwice: every session after the second start was there
// when the first was ready or started after that (the live traffic of
// either): none of the past day was played again.
func checkNoSessionTwice(t *testing.T, before, after [][]string, ready time.Time) {
	t.Helper()
	col := func(name string) int { return slices.Index(after[0], name) }
	id, started := col("id"), col("started")
	if id < 0 || started < 0 {
		t.Fatalf("history CSV header %v has no id or started", after[0])
	}
	had := map[string]bool{}
	for _, r := range before[1:] {
		had[r[id]] = true
	}
	added := 0
	for _, r := range after[1:] {
		if had[r[id]] {
			continue
		}
		added++
		at, err := time.Parse(time.RFC3339, r[started])
		if err != nil || at.Before(ready) {
			t.Errorf("session %s, started %s, appeared with the second start: played twice?", r[id], r[started])
		}
	}
	if len(after)-1 < len(before)-1 {
		t.Errorf("%d sessions after the second start, %d before", len(after)-1, len(before)-1)
	}
	t.Logf("%d sessions when the first start was ready, %d live ones since", len(before)-1, added)
}

// checkAnalytics: the heatmap and the busiest venues have figures.
func checkAnalytics(t *testing.T, c *http.Client, base string) {
	t.Helper()
	for _, table := range []string{"heatmap", "busiest"} {
		rows, err := csv.NewReader(bytes.NewReader(getBody(t, c, base+"/console/analytics.csv?table="+table))).ReadAll()
		if err != nil || len(rows) < 2 {
			t.Errorf("analytics %s: %d rows, %v", table, len(rows), err)
		}
	}
	if page := string(getBody(t, c, base+"/console/analytics")); !strings.Contains(page, "Hong Kong Central Library") {
		t.Error("the analytics page does not name the busiest simulated venue")
	}
}

// checkOpenUsage: yesterday's open usage data is published, with rows
// over the k-anonymity threshold.
func checkOpenUsage(t *testing.T, c *http.Client, base string) {
	t.Helper()
	yesterday := time.Now().In(usage.HongKong).AddDate(0, 0, -1).Format("2006-01-02")
	var days struct{ Days []usage.Day }
	getJSON(t, c, fmt.Sprintf("%s/opendata/usage/%s.json", base, yesterday), &days)
	if len(days.Days) != 1 {
		t.Fatalf("yesterday's open usage data (%s): %d days", yesterday, len(days.Days))
	}
	day := days.Days[0]
	shown := 0
	for _, r := range day.Rows {
		if !r.Suppressed {
			shown++
		}
	}
	if shown == 0 {
		t.Errorf("yesterday's open usage data (%s) has %d rows, none above k", yesterday, len(day.Rows))
	}
}

// browseDemo signs in to the console in Chromium and takes screenshots of
// the overview, a simulated venue, the alerts and the analytics, checking
// that each shows the simulated network.
func browseDemo(t *testing.T, base string) {
	if raceEnabled {
		t.Skip("the browser part runs without the race detector (go test ./..., as CI's first run)")
	}
	ctx := browsertest.Start(t, browsertest.Options{Width: 1440, Height: 900})
	ctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	shots := browsertest.ShotDir(t)
	browsertest.Do(t, ctx, "sign in", chromedp.Navigate(base+"/console/login"), chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.SendKeys(chromedp.ID("username"), "admin"), chromedp.SendKeys(chromedp.ID("password"), "wifihk-demo"),
		chromedp.Click(chromedp.CSS(`main button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS("svg.map")))
	for _, p := range []struct{ name, path, want string }{
		{"demo-overview", "/console/coverage", "8 / 9"}, // APs online of the total
		{"demo-venue", "/console/venues/hkgwfs/HPL-001", "demo-hpl-1f"},
		{"demo-alerts", "/console/alerts", "demo-mwm-2"},
		{"demo-sessions", "/console/sessions", "free – device"},
		{"demo-analytics", "/console/analytics", "Hong Kong Central Library"},
	} {
		browsertest.Do(t, ctx, p.name, chromedp.Navigate(base+p.path), chromedp.WaitVisible(chromedp.CSS("main")))
		if _, err := chromedp.Run(ctx, chromedp.Poll[bool]("document.readyState === 'complete'")); err != nil {
			t.Fatalf("%s: %v", p.name, err)
		}
		if text := browsertest.Text(t, ctx, "main"); !strings.Contains(text, p.want) {
			t.Errorf("%s (%s) does not show %q", p.name, p.path, p.want)
		}
		browsertest.Screenshot(ctx, t, shots, p.name+"-1440.png")
	}
	t.Logf("screenshots in %s", shots)
}
