package console_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/netip"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wifihk/wifihk/controller/config"
	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/internal/store/postgres/pgtest"
	"github.com/wifihk/wifihk/portal/gateway"
)

var (
	secondsRE = regexp.MustCompile(`<dd id="time-left" data-seconds="(\d+)"`)
	portalRE  = regexp.MustCompile(`name="(csrf|uam)" value="([^"]*)"`)
)

// TestExtendShowsOnThePortal: a visitor logs on through a gateway (the
// CoovaChilli stand-in, over real RADIUS, with accounting) and the
// portal's page after login counts down the plan's 30 minutes; staff
// extend the session by 60 minutes from the console, its NAS (a real CoA
// listener) acknowledges, and the same page and the RFC 8908 API then
// count down about 60 minutes: on bbolt and on PostgreSQL.
func TestExtendShowsOnThePortal(t *testing.T) {
	t.Run("bbolt", func(t *testing.T) { testExtendShowsOnThePortal(t, "") })
	t.Run("postgres", func(t *testing.T) { testExtendShowsOnThePortal(t, pgtest.NewDB(t)) })
}

func testExtendShowsOnThePortal(t *testing.T, storeURL string) {
	o := appOpts{demo: true}
	if storeURL != "" {
		o.configure = func(c *config.Config) { c.Store.URL = storeURL }
	}
	a := startApp(t, o)
	loopback := netip.MustParseAddr("127.0.0.1")
	demo, _, ok := a.Registry.NASForAddr(loopback)
	if !ok {
		t.Fatal("no demo NAS")
	}
	port, asked := testNAS(t, "testing123")
	if _, err := a.Registry.UpdateNAS(demo.ID, hotspots.NASChange{CoAPort: &port}); err != nil {
		t.Fatal(err)
	}
	g, err := gateway.Start(gateway.Config{PortalURL: a.URL + "/portal", RADIUSAddr: a.AuthAddr.String(), AcctAddr: a.AcctAddr.String(),
		Secret: "testing123", NASID: "demo", UAMSecret: "uamsecret", Called: "00-11-22-33-44-55", SourceIP: loopback.AsSlice()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })
	g.Attach(loopback, "02:aa:bb:cc:dd:07")

	jar, _ := cookiejar.New(nil)
	visitor := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	fetch := func(u string, form url.Values) (string, *url.URL) {
		t.Helper()
		var res *http.Response
		var err error
		if form == nil {
			res, err = visitor.Get(u)
		} else {
			res, err = visitor.PostForm(u, form)
		}
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return string(b), res.Request.URL
	}
	landing, _ := fetch(g.URL+"/", nil)
	form := url.Values{"terms": {"yes"}}
	for _, m := range portalRE.FindAllStringSubmatch(landing, -1) {
		form.Set(m[1], strings.ReplaceAll(m[2], "&#43;", "+"))
	}
	status, statusURL := fetch(a.URL+"/portal/connect", form)
	left := func(page string) int {
		t.Helper()
		m := secondsRE.FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("no time left on the page:\n%s", page)
		}
		n, _ := strconv.Atoi(m[1])
		return n
	}
	if s := left(status); s < 1700 || s > 1800 {
		t.Fatalf("after login %d s left, want the plan's 1800", s)
	}

	// The session, once its Accounting-Start is in.
	deadline := time.Now().Add(10 * time.Second)
	var id string
	for id == "" {
		if open, _ := a.Sessions.OpenByIP("127.0.0.1"); len(open) == 1 {
			id = open[0].ID
		} else if time.Now().After(deadline) {
			t.Fatal("no open session for the visitor")
		} else {
			time.Sleep(10 * time.Millisecond) // polling the index, not waiting for readiness
		}
	}
	admin := client(t)
	signIn(t, admin, a.URL, "admin")
	_, page := get(t, admin, a.URL+"/console/sessions")
	res, body := post(t, admin, page, a.URL+"/console/sessions/extend", url.Values{"id": {id}, "minutes": {"60"}})
	if res.StatusCode != 200 || !strings.Contains(body, id+": CoA-ACK") || strings.Contains(body, `class="error"`) {
		t.Fatalf("extend: %d\n%s", res.StatusCode, body)
	}
	select {
	case <-asked:
	case <-time.After(5 * time.Second):
		t.Fatal("the NAS got no CoA-Request")
	}

	// The extension counts whole seconds from the session's start, so
	// the time left may be a second over the hour.
	again, _ := fetch(statusURL.String(), nil)
	if s := left(again); s < 3500 || s > 3601 {
		t.Errorf("after the extension the portal shows %d s left, want about 3600", s)
	}
	var api map[string]any
	raw, _ := fetch(a.URL+"/portal/api", nil)
	if err := json.Unmarshal([]byte(raw), &api); err != nil {
		t.Fatal(err)
	}
	if s, _ := api["seconds-remaining"].(float64); s < 3500 || s > 3601 {
		t.Errorf("after the extension the captive API says %v", api)
	}
}
