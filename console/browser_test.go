package console_test

import (
	"context"
	"fmt"
	"net"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	layeh "layeh.com/radius"
	"layeh.com/radius/rfc2865"
	"layeh.com/radius/rfc2866"

	"github.com/wifihk/wifihk/accounting"
	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/internal/browsertest"
)

// browser starts Chromium for a test with a deadline.
func browser(t *testing.T, width, height int) context.Context {
	ctx := browsertest.Start(t, browsertest.Options{Width: width, Height: height})
	ctx, cancel := context.WithTimeout(ctx, 120*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// signInBrowser fills the sign-in form and waits for the coverage map
// page to load.
func signInBrowser(t *testing.T, ctx context.Context, base, user string) {
	t.Helper()
	do(t, ctx, "sign in as "+user, chromedp.Navigate(base+"/console/login"), chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.SendKeys(chromedp.ID("username"), user), chromedp.SendKeys(chromedp.ID("password"), "password-123"),
		chromedp.Click(chromedp.CSS(`main button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS("svg.map")))
	// The map is visible before a big page has been parsed to its end.
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool]("document.readyState === 'complete'")); err != nil {
		t.Fatalf("sign in as %s: page not loaded: %v", user, err)
	}
}

// TestBrowserSignInAsAdminAndOperator signs in as an admin, visits every
// page with axe-core, and signs in as an operator who then cannot reach
// another organisation's venue.
func TestBrowserSignInAsAdminAndOperator(t *testing.T) {
	ctx := browser(t, 1024, 768) // a tablet in landscape
	axe := browsertest.AxeScript(t)
	a := startApp(t, appOpts{demo: true})
	shots := browsertest.ShotDir(t)

	do(t, ctx, "login page", chromedp.Navigate(a.URL+"/console/venues"), chromedp.WaitVisible(chromedp.ID("username")))
	browsertest.NoSeriousViolations(ctx, t, axe, "sign-in page")
	browsertest.Screenshot(ctx, t, shots, "login.png")
	do(t, ctx, "sign in", chromedp.SendKeys(chromedp.ID("username"), "admin"), chromedp.SendKeys(chromedp.ID("password"), "password-123"),
		chromedp.Click(chromedp.CSS(`main button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS("table.data")))
	if loc := eval[string](t, ctx, "location.pathname"); loc != "/console/venues" {
		t.Errorf("after sign-in the browser is at %s, want the page it asked for", loc)
	}
	if who := text(t, ctx, "#whoami"); !strings.Contains(who, "admin (administrator)") {
		t.Errorf("whoami %q", who)
	}
	for _, p := range []struct{ path, wait, name string }{
		{"/console/coverage", "svg.map", "coverage"},
		{"/console/venues", "table.data", "venues"},
		{"/console/venues/orgb/B001", "#h-aps", "venue"},
		{"/console/venues/orgb/B001?edit=1", "#name_en", "venue-edit"},
		{"/console/venues/new", "#location_id", "venue-new"},
		{"/console/sessions", "#q", "sessions"},
		{"/console/alerts", "#h-nas", "alerts"},
		{"/console/realms", "h1", "realms"},
		{"/console/vouchers", "#count", "vouchers"},
		{"/console/coverage?district=Wan+Chai&lang=zh-Hant", "svg.map", "coverage-zh-Hant"},
		{"/console/venues?lang=zh-Hans", "table.data", "venues-zh-Hans"},
	} {
		do(t, ctx, p.name, chromedp.Navigate(a.URL+p.path), chromedp.WaitVisible(chromedp.CSS(p.wait)))
		browsertest.NoSeriousViolations(ctx, t, axe, p.name)
		browsertest.Screenshot(ctx, t, shots, p.name+".png")
		// Usable on a tablet: the page itself never scrolls sideways
		// (wide tables scroll inside their own region).
		if eval[bool](t, ctx, "document.documentElement.scrollWidth > window.innerWidth") {
			t.Errorf("%s scrolls sideways at 1024 px", p.name)
		}
	}
	// A tablet in portrait, touch, text at 150%: still nothing scrolls
	// sideways, and the nav and the Disconnect-sized buttons are at least
	// 44 px tall (WCAG 2.5.5).
	do(t, ctx, "portrait", chromedp.EmulateViewport(768, 1024, chromedp.EmulatePortrait, chromedp.EmulateTouch))
	for _, path := range []string{"/console/coverage", "/console/venues", "/console/venues/orgb/B001", "/console/sessions"} {
		do(t, ctx, "portrait "+path, chromedp.Navigate(a.URL+path), chromedp.WaitVisible(chromedp.CSS("main h1")))
		if eval[bool](t, ctx, "document.documentElement.style.fontSize='150%'; document.documentElement.scrollWidth > window.innerWidth") {
			t.Errorf("%s scrolls sideways on a portrait tablet at 150%% text", path)
		}
		if small := eval[int](t, ctx, `Array.from(document.querySelectorAll('.nav a, main button')).filter(e => e.getBoundingClientRect().height < 44).length`); small > 0 {
			t.Errorf("%s: %d targets under 44 px", path, small)
		}
	}
	browsertest.Screenshot(ctx, t, shots, "sessions-portrait.png")
	do(t, ctx, "landscape again", chromedp.ResetViewport())

	// With JavaScript, a click on a venue's dot opens it.
	do(t, ctx, "click a dot", chromedp.Navigate(a.URL+"/console/coverage?district=Sha+Tin"), chromedp.WaitVisible(chromedp.CSS("svg.map")),
		chromedp.Click(chromedp.CSS(`circle[data-venue="orgb/B001"]`)), chromedp.WaitVisible(chromedp.CSS("#h-aps")))
	if loc := eval[string](t, ctx, "location.pathname"); loc != "/console/venues/orgb/B001" {
		t.Errorf("clicking orgb/B001's dot led to %s", loc)
	}
	do(t, ctx, "venues in zh-Hans", chromedp.Navigate(a.URL+"/console/venues?lang=zh-Hans"), chromedp.WaitVisible(chromedp.CSS("table.data")))
	if h1 := text(t, ctx, "h1"); h1 != "场地" {
		t.Errorf("zh-Hans venues h1 %q", h1)
	}
	do(t, ctx, "back to English", chromedp.Navigate(a.URL+"/console/vouchers?lang=en"), chromedp.WaitVisible(chromedp.ID("count")))

	// Vouchers: a batch's cards to print, then the batch's page.
	do(t, ctx, "generate vouchers", chromedp.SetValue(chromedp.ID("count"), "6"), chromedp.Click(chromedp.CSS(`form.stack button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS("ul.vouchers")))
	if n := eval[int](t, ctx, "document.querySelectorAll('ul.vouchers li').length"); n != 6 {
		t.Errorf("print page shows %d vouchers, want 6", n)
	}
	browsertest.NoSeriousViolations(ctx, t, axe, "voucher print")
	browsertest.Screenshot(ctx, t, shots, "voucher-print.png")
	// The batch's page shows each code's state, not the code.
	do(t, ctx, "batch page", chromedp.Click(chromedp.ID("batch-link")), chromedp.WaitVisible(chromedp.ID("batch-vouchers")))
	if n := eval[int](t, ctx, "document.querySelectorAll('#batch-vouchers tbody tr').length"); n != 6 {
		t.Errorf("batch page shows %d vouchers, want 6", n)
	}
	browsertest.NoSeriousViolations(ctx, t, axe, "voucher batch")

	do(t, ctx, "sign out", chromedp.Click(chromedp.CSS(`form.whoami button`)), chromedp.WaitVisible(chromedp.ID("username")))

	// The operator of orga.
	signInBrowser(t, ctx, a.URL, "op-a")
	if n := eval[int](t, ctx, "document.querySelectorAll('svg.map circle[data-venue]').length"); n != 1 {
		t.Errorf("operator's map shows %d venues, want their 1", n)
	}
	do(t, ctx, "own venue", chromedp.Navigate(a.URL+"/console/venues/orga/A001"), chromedp.WaitVisible(chromedp.CSS("#h-aps")))
	do(t, ctx, "other venue", chromedp.Navigate(a.URL+"/console/venues/orgb/B001"), chromedp.WaitVisible(chromedp.CSS("p.error")))
	if h1 := text(t, ctx, "h1"); h1 != "Not found" {
		t.Errorf("operator of orga at orgb's venue sees %q, want Not found", h1)
	}
	if strings.Contains(eval[string](t, ctx, "document.body.innerText"), "Venue of orgb") {
		t.Error("orgb's venue name leaked to orga's operator")
	}
	browsertest.NoSeriousViolations(ctx, t, axe, "not found")
	browsertest.Screenshot(ctx, t, shots, "operator-not-found.png")
}

// TestBrowserCoverageRealData draws the 5,430 real venues: the SVG has
// exactly one point per venue, and a district label zooms in.
func TestBrowserCoverageRealData(t *testing.T) {
	a := startApp(t, appOpts{realData: true})
	ctx := browser(t, 1280, 900)
	axe := browsertest.AxeScript(t)
	shots := browsertest.ShotDir(t)
	signInBrowser(t, ctx, a.URL, "admin")

	venues, total, err := a.Registry.ListVenues(hotspots.VenueFilter{}, 0, 0)
	if err != nil || total != 5432 { // the real data and the two test venues
		t.Fatalf("registry holds %d venues (%v)", total, err)
	}
	want := make([]string, len(venues))
	for i, v := range venues {
		want[i] = v.Key().String()
	}
	got := eval[[]string](t, ctx, `Array.from(document.querySelectorAll('svg.map [data-venue]'), e => e.getAttribute('data-venue'))`)
	sort.Strings(want)
	sort.Strings(got)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("map has %d points for %d venues, or not one point per venue", len(got), len(want))
	}
	if n := eval[int](t, ctx, "document.querySelectorAll('svg.map .lbl text').length"); n != 18 {
		t.Errorf("%d district labels, want 18", n)
	}
	browsertest.Screenshot(ctx, t, shots, "coverage-real.png")
	browsertest.NoSeriousViolations(ctx, t, axe, "coverage with the real data")

	whole := eval[string](t, ctx, "document.querySelector('svg.map').getAttribute('viewBox')")
	do(t, ctx, "zoom to Sha Tin", chromedp.Click(chromedp.CSS(`svg.map a[href$="district=Sha+Tin"] text`)),
		chromedp.WaitVisible(chromedp.CSS("tr.current")))
	zoomed := eval[string](t, ctx, "document.querySelector('svg.map').getAttribute('viewBox')")
	if zoomed == whole || !strings.Contains(text(t, ctx, "h1"), "Sha Tin") {
		t.Errorf("zoom to Sha Tin: viewBox %q (whole %q), h1 %q", zoomed, whole, text(t, ctx, "h1"))
	}
	if n := eval[int](t, ctx, "document.querySelectorAll('svg.map [data-venue]').length"); n != total {
		t.Errorf("zoomed map has %d points, want all %d", n, total)
	}
	browsertest.Screenshot(ctx, t, shots, "coverage-real-sha-tin.png")
}

// TestBrowserRegisterVenueAndAP registers a venue with the form, then an
// AP at it, and checks the agent token shown once works.
func TestBrowserRegisterVenueAndAP(t *testing.T) {
	a := startApp(t, appOpts{})
	ctx := browser(t, 1024, 768)
	shots := browsertest.ShotDir(t)
	signInBrowser(t, ctx, a.URL, "op-a")
	do(t, ctx, "venue form", chromedp.Navigate(a.URL+"/console/venues"), chromedp.Click(chromedp.CSS(`a[href="/console/venues/new"]`)),
		chromedp.WaitVisible(chromedp.ID("location_id")),
		chromedp.SendKeys(chromedp.ID("location_id"), "LIB/42"),
		chromedp.SendKeys(chromedp.ID("name_en"), "Harbour Road Library"),
		chromedp.SendKeys(chromedp.ID("venue_type_en"), "Library"),
		chromedp.SendKeys(chromedp.ID("address_en"), "2 Harbour Road, Wan Chai"),
		chromedp.SetValue(chromedp.ID("latitude"), "22.2795"),
		chromedp.SetValue(chromedp.ID("longitude"), "114.1747"),
		chromedp.Click(chromedp.CSS(`form.stack button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS("p.notice")))
	if loc := eval[string](t, ctx, "location.pathname"); loc != "/console/venues/orga/LIB/42" {
		t.Fatalf("after registering, at %s", loc)
	}
	v, err := a.Registry.Venue("orga/LIB/42")
	if err != nil || v.NameEN != "Harbour Road Library" || v.District != "Wan Chai" {
		t.Fatalf("registered venue: %+v %v", v, err)
	}
	do(t, ctx, "AP form", chromedp.SendKeys(chromedp.ID("ap_name"), "Reading room"), chromedp.SendKeys(chromedp.ID("ap_mac"), "02-00-5E-10-00-01"),
		chromedp.Click(chromedp.CSS(`input[value=add_ap] ~ p button`)), chromedp.WaitVisible(chromedp.ID("agent-token")))
	token := text(t, ctx, "#agent-token")
	ap, err := a.Registry.APByToken(token)
	if err != nil || ap.Hotspot != "orga/LIB/42" || ap.MAC != "02:00:5e:10:00:01" {
		t.Fatalf("token %q: %+v %v", token, ap, err)
	}
	if n := eval[int](t, ctx, "document.querySelectorAll('#h-aps ~ .scroll tbody tr').length"); n != 1 {
		t.Errorf("venue page lists %d APs", n)
	}
	browsertest.Screenshot(ctx, t, shots, "ap-registered.png")
	do(t, ctx, "reload", chromedp.Navigate(a.URL+"/console/venues/orga/LIB/42"), chromedp.WaitVisible(chromedp.CSS("#h-aps")))
	if strings.Contains(eval[string](t, ctx, "document.body.innerHTML"), token) {
		t.Error("the agent token is shown again")
	}
}

// testNAS answers every authentic Disconnect-Request with Disconnect-ACK
// and reports the Acct-Session-Id it was asked to end, and every
// CoA-Request with CoA-ACK, reporting the Session-Timeout it asked for.
func testNAS(t *testing.T, secret string) (port int, asked <-chan string) {
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	ch := make(chan string, 4)
	go func() {
		buf := make([]byte, 4096)
		for {
			n, from, err := conn.ReadFromUDPAddrPort(buf)
			if err != nil {
				return
			}
			if !layeh.IsAuthenticRequest(buf[:n], []byte(secret)) {
				continue
			}
			req, err := layeh.Parse(buf[:n], []byte(secret))
			if err != nil || (req.Code != layeh.CodeDisconnectRequest && req.Code != layeh.CodeCoARequest) {
				continue
			}
			answer := layeh.CodeDisconnectACK
			if req.Code == layeh.CodeCoARequest {
				answer = layeh.CodeCoAACK
				ch <- fmt.Sprintf("CoA %s Session-Timeout=%d", rfc2866.AcctSessionID_GetString(req), rfc2865.SessionTimeout_Get(req))
			} else {
				ch <- rfc2866.AcctSessionID_GetString(req) + " " + rfc2865.UserName_GetString(req)
			}
			b, err := req.Response(answer).Encode()
			if err == nil {
				conn.WriteToUDPAddrPort(b, from)
			}
		}
	}()
	return conn.LocalAddr().(*net.UDPAddr).Port, ch
}

// TestBrowserDisconnect presses Disconnect on an open session: the
// console sends an RFC 5176 Disconnect-Request to a real UDP listener that
// answers Disconnect-ACK, and shows the answer.
func TestBrowserDisconnect(t *testing.T) {
	a := startApp(t, appOpts{})
	port, asked := testNAS(t, "nas-secret-1")
	if _, err := a.Registry.AddNAS(hotspots.NASInput{Name: "test-nas", IP: "127.0.0.1", Secret: "nas-secret-1",
		Hotspot: "orga/A001", CoAPort: port}); err != nil {
		t.Fatal(err)
	}
	_, err := accounting.New(a.DB).Apply(accounting.Update{NAS: "test-nas", AcctID: "sess-77", Status: accounting.Start,
		Username: "visitor7", MAC: "02:11:22:33:44:77", NASAddr: "127.0.0.1", Class: "whk1:g1:default", InputOctets: 1234})
	if err != nil {
		t.Fatal(err)
	}
	ctx := browser(t, 1024, 768)
	axe := browsertest.AxeScript(t)
	shots := browsertest.ShotDir(t)
	signInBrowser(t, ctx, a.URL, "op-a")
	do(t, ctx, "sessions", chromedp.Navigate(a.URL+"/console/sessions?q=visitor7"), chromedp.WaitVisible(chromedp.CSS(`tr[data-session="test-nas/sess-77"]`)))
	browsertest.NoSeriousViolations(ctx, t, axe, "sessions with a session")
	browsertest.Screenshot(ctx, t, shots, "sessions.png")
	// Extend by 30 minutes: a CoA-Request with the new Session-Timeout.
	do(t, ctx, "extend", chromedp.SetValue(chromedp.CSS(`tr[data-session="test-nas/sess-77"] select`), "30"),
		chromedp.Click(chromedp.CSS(`tr[data-session="test-nas/sess-77"] form.extend button`)), chromedp.WaitVisible(chromedp.ID("disconnect-result")))
	select {
	case got := <-asked:
		var timeout int // 30 min and the seconds it has run
		if _, err := fmt.Sscanf(got, "CoA sess-77 Session-Timeout=%d", &timeout); err != nil || timeout < 1800 || timeout > 1800+300 {
			t.Errorf("the NAS was asked %q", got)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the NAS got no CoA-Request")
	}
	if res := text(t, ctx, "#disconnect-result"); res != "test-nas/sess-77: CoA-ACK" {
		t.Errorf("extend result shown %q", res)
	}
	browsertest.Screenshot(ctx, t, shots, "extended.png")
	do(t, ctx, "disconnect", chromedp.Click(chromedp.CSS(`tr[data-session="test-nas/sess-77"] button.danger`)),
		chromedp.WaitVisible(chromedp.ID("disconnect-result")))
	select {
	case got := <-asked:
		if got != "sess-77 visitor7" {
			t.Errorf("the NAS was asked to end %q", got)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the NAS got no Disconnect-Request")
	}
	if res := text(t, ctx, "#disconnect-result"); res != "test-nas/sess-77: Disconnect-ACK" {
		t.Errorf("result shown %q", res)
	}
	if notice := text(t, ctx, "p.notice"); !strings.Contains(notice, "Disconnect-ACK") {
		t.Errorf("notice %q", notice)
	}
	browsertest.Screenshot(ctx, t, shots, "disconnected.png")
	browsertest.NoSeriousViolations(ctx, t, axe, "sessions after disconnect")

	// Another organisation's operator neither sees nor ends it.
	c := client(t)
	signIn(t, c, a.URL, "op-b")
	_, page := get(t, c, a.URL+"/console/sessions")
	if strings.Contains(page, "sess-77") {
		t.Error("orgb's operator sees orga's session")
	}
}
