package portal_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"layeh.com/radius/rfc2865"

	"github.com/wifihk/wifihk/controller"
	"github.com/wifihk/wifihk/controller/controllertest"
	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/hotspots/realvenues"
	"github.com/wifihk/wifihk/portal/gateway"
)

var loopback = netip.MustParseAddr("127.0.0.1")

// startApp runs the whole controller in -demo on 127.0.0.1:0: the real
// RADIUS server, the portal and the store. The demo NAS is 127.0.0.1,
// secret testing123, nasid "demo", uamsecret "uamsecret".
func startApp(t testing.TB) *controller.App {
	t.Helper()
	return controllertest.Start(t, controllertest.Options{Demo: true})
}

// addRealVenue imports the row of the shipped Wi-Fi.HK export with key,
// as serve -demo has it (the example configs' gateways stand there).
func addRealVenue(t testing.TB, reg *hotspots.Registry, key hotspots.VenueKey) {
	t.Helper()
	org, id, _ := strings.Cut(string(key), "/")
	lines := strings.Split(string(realvenues.CSV()), "\n")
	for _, l := range lines[1:] {
		if strings.HasPrefix(l, id+","+org+",") {
			res, err := reg.Import(context.Background(), []byte(lines[0]+"\n"+l+"\n"), hotspots.ImportOptions{})
			if err != nil || res.Imported != 1 {
				t.Fatalf("importing %s: %+v %v", key, res, err)
			}
			return
		}
	}
	t.Fatalf("%s is not in the shipped export", key)
}

// startGateway runs a CoovaChilli stand-in that talks to a's RADIUS server
// as the demo NAS.
func startGateway(t testing.TB, a *controller.App, nasid, uamsecret, srcIP string) *gateway.Gateway {
	t.Helper()
	g, err := gateway.Start(gateway.Config{
		PortalURL: "http://" + a.HTTPAddr.String() + "/portal", RADIUSAddr: a.AuthAddr.String(),
		AcctAddr: a.AcctAddr.String(),
		Secret:   "testing123", NASID: nasid, UAMSecret: uamsecret, Called: "00-11-22-33-44-55",
		SourceIP: netip.MustParseAddr(srcIP).AsSlice(),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })
	return g
}

func newBrowser(t testing.TB) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 10 * time.Second}
}

var hiddenRE = regexp.MustCompile(`name="(csrf|uam)" value="([^"]*)"`)

// formFields pulls the csrf and uam hidden fields out of a page.
func formFields(t testing.TB, page string) url.Values {
	t.Helper()
	v := url.Values{}
	for _, m := range hiddenRE.FindAllStringSubmatch(page, -1) {
		v.Set(m[1], strings.ReplaceAll(m[2], "&#43;", "+"))
	}
	if v.Get("csrf") == "" || v.Get("uam") == "" {
		t.Fatalf("no form tokens on page:\n%s", page)
	}
	return v
}

func get(t testing.TB, c *http.Client, u string) (int, string) {
	t.Helper()
	res, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func post(t testing.TB, c *http.Client, u string, form url.Values) (int, string, *url.URL) {
	t.Helper()
	res, err := c.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b), res.Request.URL
}

func nextResult(t testing.TB, g *gateway.Gateway) gateway.Result {
	t.Helper()
	select {
	case r := <-g.Results():
		return r
	case <-time.After(10 * time.Second):
		t.Fatal("the gateway sent no Access-Request")
	}
	return gateway.Result{}
}

// clickThrough opens the gateway's redirect, accepts the terms and
// connects; it returns the final page.
func clickThrough(t testing.TB, a *controller.App, g *gateway.Gateway, c *http.Client) (int, string) {
	t.Helper()
	code, page := get(t, c, g.URL+"/?userurl="+url.QueryEscape("http://example.com/news"))
	if code != 200 {
		t.Fatalf("landing: %d\n%s", code, page)
	}
	form := formFields(t, page)
	form.Set("terms", "yes")
	code, page, _ = post(t, c, "http://"+a.HTTPAddr.String()+"/portal/connect", form)
	return code, page
}

func TestClickThroughLogsOnThroughRealRADIUS(t *testing.T) {
	a := startApp(t)
	g := startGateway(t, a, "demo", "uamsecret", "127.0.0.1")
	g.Attach(loopback, "02:aa:bb:cc:dd:01")
	c := newBrowser(t)

	code, page := clickThrough(t, a, g, c)
	res := nextResult(t, g)
	if !res.Accepted {
		t.Fatalf("RADIUS did not accept the portal's credential: %+v", res)
	}
	if to := rfc2865.SessionTimeout_Get(res.Reply); to != 1800 {
		t.Errorf("Session-Timeout %d, want the default plan's 1800", to)
	}
	if code != 200 || !strings.Contains(page, "You are online") || !strings.Contains(page, `href="http://example.com/news"`) {
		t.Fatalf("status page %d:\n%s", code, page)
	}

	// Accounting now knows the session: the RFC 8908 API asked from the
	// visitor's address says it is online and how long is left.
	api, err := http.Get("http://" + a.HTTPAddr.String() + "/portal/api")
	if err != nil {
		t.Fatal(err)
	}
	var cp map[string]any
	json.NewDecoder(api.Body).Decode(&cp)
	api.Body.Close()
	if s, _ := cp["seconds-remaining"].(float64); cp["captive"] != false || s < 1700 || s > 1800 {
		t.Fatalf("captive API after login: %v", cp)
	}
	// venue-info-url names the venue of the NAS and its support line.
	info, _ := cp["venue-info-url"].(string)
	if !strings.HasSuffix(info, "/portal/venue?v=demo%2FCWB-LIB") {
		t.Fatalf("venue-info-url %q", info)
	}
	vres, err := http.Get(info)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(vres.Body)
	vres.Body.Close()
	if vres.StatusCode != 200 || !strings.Contains(string(body), "Causeway Bay Demo Library") || !strings.Contains(string(body), "Wan Chai") {
		t.Fatalf("venue info page %d:\n%s", vres.StatusCode, body)
	}
	if nres, err := http.Get(strings.Replace(info, "CWB-LIB", "NOPE", 1)); err != nil || nres.StatusCode != 404 {
		t.Errorf("unknown venue: %v %v, want 404", nres, err)
	}

	// The one-time credential is spent: a second logon with it is refused.
	res2 := replay(t, a, g, res.Username)
	if res2.Accepted {
		t.Fatal("a used one-time credential was accepted again")
	}
}

// replay sends an Access-Request for username with a made-up response,
// as a second logon of a spent credential would.
func replay(t testing.TB, a *controller.App, g *gateway.Gateway, username string) gateway.Result {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if _, err := g.RedirectURL(loopback, ""); err != nil {
		t.Fatal(err)
	}
	res, err := c.Get(g.URL + "/logon?username=" + url.QueryEscape(username) + "&response=00112233445566778899aabbccddeeff")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return nextResult(t, g)
}

func TestThirdFreeSessionOfTheDayIsRefused(t *testing.T) {
	a := startApp(t)
	g := startGateway(t, a, "demo", "uamsecret", "127.0.0.1")
	g.Attach(loopback, "02:aa:bb:cc:dd:02")
	c := newBrowser(t)
	for i := 1; i <= 2; i++ {
		code, page := clickThrough(t, a, g, c)
		if res := nextResult(t, g); !res.Accepted || code != 200 {
			t.Fatalf("free session %d: accepted=%v code=%d\n%s", i, res.Accepted, code, page)
		}
	}
	_, landing := get(t, c, g.URL+"/")
	if !strings.Contains(landing, "used all 2 free sessions") {
		t.Fatalf("landing page does not say the allowance is used:\n%s", landing)
	}
	code, page := clickThrough(t, a, g, c)
	if code != http.StatusForbidden || !strings.Contains(page, "No free sessions left today") {
		t.Fatalf("third session: %d\n%s", code, page)
	}
	select {
	case r := <-g.Results():
		t.Fatalf("a third Access-Request was sent: %+v", r)
	default:
	}
}

func TestPAPGateway(t *testing.T) {
	a := startApp(t)
	if _, err := a.Registry.AddNAS(hotspots.NASInput{Name: "pap-gw", IP: "127.0.0.2", Secret: "testing123",
		Identifier: "papgw", UAMSecret: "other-secret", PortalAuth: "pap"}); err != nil {
		t.Fatal(err)
	}
	g := startGateway(t, a, "papgw", "other-secret", "127.0.0.2")
	g.Attach(loopback, "02:aa:bb:cc:dd:03")
	if code, page := clickThrough(t, a, g, newBrowser(t)); code != 200 {
		t.Fatalf("PAP click-through: %d\n%s", code, page)
	}
	if res := nextResult(t, g); !res.Accepted {
		t.Fatalf("PAP logon refused: %+v", res)
	} else if rfc2865.UserPassword_Get(res.Reply) != nil {
		t.Fatal("reply carries a password")
	}
}

func TestGatewayRedirectChecks(t *testing.T) {
	a := startApp(t)
	g := startGateway(t, a, "demo", "uamsecret", "127.0.0.1")
	g.Attach(loopback, "02:aa:bb:cc:dd:04")
	c := newBrowser(t)
	good, err := g.RedirectURL(loopback, "")
	if err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		url  string
		code int
	}{
		"good md":          {good, 200},
		"altered uamip":    {strings.Replace(good, "uamip=127.0.0.1", "uamip=127.0.0.9", 1), 403},
		"md removed":       {good[:strings.Index(good, "&md=")], 403},
		"userurl after md": {good + "&userurl=http%3A%2F%2Fevil.example%2F", 403},
		"hostname uamip":   {strings.Replace(good, "uamip=127.0.0.1", "uamip=evil.example", 1), 400},
		"unknown nasid":    {strings.Replace(good, "nasid=demo", "nasid=stranger", 1), 400},
	} {
		if code, page := get(t, c, tc.url); code != tc.code {
			t.Errorf("%s: %d, want %d\n%s", name, code, tc.code, page)
		}
	}
}

func TestFormsNeedCSRFAndSignedContext(t *testing.T) {
	a := startApp(t)
	g := startGateway(t, a, "demo", "uamsecret", "127.0.0.1")
	g.Attach(loopback, "02:aa:bb:cc:dd:05")
	c := newBrowser(t)
	_, page := get(t, c, g.URL+"/")
	form := formFields(t, page)
	form.Set("terms", "yes")
	connect := "http://" + a.HTTPAddr.String() + "/portal/connect"

	noCSRF := url.Values{"uam": {form.Get("uam")}, "terms": {"yes"}}
	if code, _, _ := post(t, c, connect, noCSRF); code != http.StatusForbidden {
		t.Errorf("without CSRF token: %d, want 403", code)
	}
	forged := url.Values{"csrf": {form.Get("csrf")}, "uam": {form.Get("uam") + "x"}, "terms": {"yes"}}
	if code, _, _ := post(t, c, connect, forged); code != http.StatusBadRequest {
		t.Errorf("altered UAM context: %d, want 400", code)
	}
	noTerms := url.Values{"csrf": {form.Get("csrf")}, "uam": {form.Get("uam")}}
	if code, page, _ := post(t, c, connect, noTerms); code != http.StatusBadRequest || !strings.Contains(page, "accept the terms") {
		t.Errorf("without terms: %d", code)
	}
}
