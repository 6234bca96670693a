package portal_test

import (
	"bufio"
	"encoding/json"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"layeh.com/radius/rfc2865"

	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/internal/datadir"
	"github.com/wifihk/wifihk/visitors"
)

func portalURL(a interface{ String() string }) string { return "http://" + a.String() + "/portal" }

func TestVoucherLogsOnWithItsOwnPlan(t *testing.T) {
	a := startApp(t)
	vs := visitors.New(a.DB, a.Sealer)
	b, err := vs.CreateVouchers(visitors.VoucherSpec{Count: 2, Duration: 2 * time.Hour, Uses: 1, DataCapMB: 100})
	if err != nil {
		t.Fatal(err)
	}
	g := startGateway(t, a, "demo", "uamsecret", "127.0.0.1")
	g.Attach(loopback, "02:aa:bb:cc:dd:20")
	c := newBrowser(t)
	_, page := get(t, c, g.URL+"/")
	form := formFields(t, page)
	form.Set("code", strings.ToLower(visitors.FormatVoucher(b.Codes[0])))
	code, page, _ := post(t, c, portalURL(a.HTTPAddr)+"/voucher", form)
	res := nextResult(t, g)
	if !res.Accepted || code != 200 {
		t.Fatalf("voucher logon: accepted=%v code=%d\n%s", res.Accepted, code, page)
	}
	if to := rfc2865.SessionTimeout_Get(res.Reply); to != 7200 {
		t.Errorf("Session-Timeout %d, want the voucher's 7200", to)
	}
	// Used up: the portal itself refuses it now.
	_, page = get(t, c, g.URL+"/")
	form = formFields(t, page)
	form.Set("code", b.Codes[0])
	if code, page, _ := post(t, c, portalURL(a.HTTPAddr)+"/voucher", form); code != http.StatusForbidden || !strings.Contains(page, "not valid or has been used up") {
		t.Fatalf("spent voucher: %d\n%s", code, page)
	}
}

var codeRE = regexp.MustCompile(`\b(\d{6})\b`)

// lastCode reads the newest code the outbox sender wrote for to.
func lastCode(t *testing.T, dir, to string) string {
	t.Helper()
	code := codeRE.FindString(lastMessage(t, dir, to))
	if code == "" {
		t.Fatalf("no code for %s in the outbox", to)
	}
	return code
}

// lastMessage is the last message the outbox holds for to.
func lastMessage(t *testing.T, dir, to string) string {
	t.Helper()
	f, err := os.Open(datadir.Dir(dir).Outbox())
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	last := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var m struct{ To, Message string }
		if json.Unmarshal(sc.Bytes(), &m) == nil && m.To == to {
			last = m.Message
		}
	}
	return last
}

func TestSignUpVerifySignInReset(t *testing.T) {
	a := startApp(t)
	g := startGateway(t, a, "demo", "uamsecret", "127.0.0.1")
	g.Attach(loopback, "02:aa:bb:cc:dd:21")
	c := newBrowser(t)
	base := portalURL(a.HTTPAddr)

	_, page := get(t, c, g.URL+"/")
	form := formFields(t, page)
	form.Set("contact", "9123 4567")
	form.Set("password", "correct horse")
	code, page, _ := post(t, c, base+"/signup", form)
	if code != 200 || !strings.Contains(page, "****4567") {
		t.Fatalf("sign-up: %d\n%s", code, page)
	}
	form = formFields(t, page)
	form.Set("contact", "+85291234567")
	form.Set("code", lastCode(t, a.Config.DataDir, "+85291234567"))
	if code, page, _ = post(t, c, base+"/verify", form); code != 200 {
		t.Fatalf("verify: %d\n%s", code, page)
	}
	if res := nextResult(t, g); !res.Accepted || !strings.HasPrefix(res.Username, "ot-") {
		t.Fatalf("after sign-up the logon should use a one-time credential: %+v", res)
	}

	// Signing up again answers as for a new contact, so the page does not
	// tell who has an account; the owner gets a notice and no code.
	_, page = get(t, c, g.URL+"/")
	form = formFields(t, page)
	form.Set("contact", "9123 4567")
	form.Set("password", "another horse")
	if code, page, _ = post(t, c, base+"/signup", form); code != 200 || !strings.Contains(page, "****4567") {
		t.Fatalf("second sign-up: %d, want the same code page as a new contact\n%s", code, page)
	}
	if msg := lastMessage(t, a.Config.DataDir, "+85291234567"); !strings.Contains(msg, "already has an account") || codeRE.MatchString(msg) {
		t.Fatalf("second sign-up sent %q, want a notice without a code", msg)
	}

	// Sign in again later; a wrong password is refused without a logon.
	_, page = get(t, c, g.URL+"/")
	form = formFields(t, page)
	form.Set("contact", "+852 9123 4567")
	form.Set("password", "wrong horse")
	if code, _, _ = post(t, c, base+"/signin", form); code != http.StatusUnauthorized {
		t.Fatalf("wrong password: %d", code)
	}
	form.Set("password", "correct horse")
	if code, page, _ = post(t, c, base+"/signin", form); code != 200 {
		t.Fatalf("sign-in: %d\n%s", code, page)
	}
	if res := nextResult(t, g); !res.Accepted {
		t.Fatalf("sign-in logon refused: %+v", res)
	}

	// Reset the password through a code and sign in with the new one.
	_, page = get(t, c, g.URL+"/")
	form = formFields(t, page)
	form.Set("contact", "91234567")
	if code, page, _ = post(t, c, base+"/reset", form); code != 200 {
		t.Fatalf("reset: %d\n%s", code, page)
	}
	form = formFields(t, page)
	form.Set("contact", "+85291234567")
	form.Set("code", lastCode(t, a.Config.DataDir, "+85291234567"))
	form.Set("password", "battery staple")
	if code, page, _ = post(t, c, base+"/reset/finish", form); code != 200 {
		t.Fatalf("reset finish: %d\n%s", code, page)
	}
	if res := nextResult(t, g); !res.Accepted {
		t.Fatalf("logon after reset refused: %+v", res)
	}
	if log, _ := os.ReadFile(datadir.Dir(a.Config.DataDir).Outbox()); len(log) == 0 {
		t.Fatal("outbox empty")
	}
}

func TestCaptiveAPIAndPageWeight(t *testing.T) {
	a := startApp(t)
	res, err := http.Get(portalURL(a.HTTPAddr) + "/api")
	if err != nil {
		t.Fatal(err)
	}
	var body map[string]any
	json.NewDecoder(res.Body).Decode(&body)
	res.Body.Close()
	if ct := res.Header.Get("Content-Type"); ct != "application/captive+json" || res.Header.Get("Cache-Control") != "private" {
		t.Fatalf("headers %v", res.Header)
	}
	if body["captive"] != true || body["user-portal-url"] != portalURL(a.HTTPAddr) {
		t.Fatalf("body %v, want user-portal-url %s", body, portalURL(a.HTTPAddr))
	}

	// A forged Host header is not reflected (no public_url is set here).
	req, _ := http.NewRequest("GET", portalURL(a.HTTPAddr)+"/api", nil)
	req.Host = "evil.example"
	if res, err = http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	}
	body = nil
	json.NewDecoder(res.Body).Decode(&body)
	res.Body.Close()
	if u, _ := body["user-portal-url"].(string); strings.Contains(u, "evil.example") || u != portalURL(a.HTTPAddr) {
		t.Fatalf("forged Host reflected: user-portal-url %q", u)
	}

	// The first page and everything it loads stay under 60 KB.
	g := startGateway(t, a, "demo", "uamsecret", "127.0.0.1")
	g.Attach(loopback, "02:aa:bb:cc:dd:22")
	c := newBrowser(t)
	_, page := get(t, c, g.URL+"/")
	total := len(page)
	for _, m := range regexp.MustCompile(`(?:href|src)="(/portal/static/[^"]+)"`).FindAllStringSubmatch(page, -1) {
		_, asset := get(t, c, "http://"+a.HTTPAddr.String()+m[1])
		total += len(asset)
	}
	if total > 60<<10 {
		t.Fatalf("first page weighs %d bytes, over 60 KB", total)
	}
	if strings.Contains(page, "http://") && regexp.MustCompile(`(?:href|src)="https?://`).MatchString(page) {
		t.Fatal("landing page loads something from another host")
	}
	t.Logf("first page: %d bytes with assets", total)
}

// TestMembersPlanAdmitsOnlyItsOrganisation: at a venue whose plan is for
// members of its organisation, a member signs in and RADIUS accepts the
// one-time credential the portal issues; an account of another
// organisation is refused by the portal, with no logon.
func TestMembersPlanAdmitsOnlyItsOrganisation(t *testing.T) {
	a := startApp(t)
	if _, err := a.Registry.AddPlan(hotspots.Plan{Name: "staff-only", Kind: hotspots.PlanMembers, Org: "demo", SessionTimeout: 3600}); err != nil {
		t.Fatal(err)
	}
	v, err := a.Registry.Venue("demo/CWB-LIB")
	if err != nil {
		t.Fatal(err)
	}
	v.Plan = "staff-only"
	if _, err := a.Registry.UpdateVenue(v); err != nil {
		t.Fatal(err)
	}
	vs := visitors.New(a.DB, a.Sealer)
	for user, org := range map[string]string{"+85291110000": "demo", "+85291110001": "elsewhere"} {
		if _, err := vs.AddAccount(visitors.AccountInput{Username: user, Password: "correct horse", Org: org}); err != nil {
			t.Fatal(err)
		}
	}
	g := startGateway(t, a, "demo", "uamsecret", "127.0.0.1")
	g.Attach(loopback, "02:aa:bb:cc:dd:30")
	c := newBrowser(t)
	signIn := func(contact string) (int, string) {
		_, page := get(t, c, g.URL+"/")
		form := formFields(t, page)
		form.Set("contact", contact)
		form.Set("password", "correct horse")
		code, page, _ := post(t, c, portalURL(a.HTTPAddr)+"/signin", form)
		return code, page
	}
	if code, page := signIn("+85291110001"); code != http.StatusForbidden {
		t.Fatalf("another organisation's account: %d\n%s", code, page)
	}
	if code, page := signIn("+85291110000"); code != 200 {
		t.Fatalf("member sign-in: %d\n%s", code, page)
	}
	res := nextResult(t, g)
	if !res.Accepted {
		t.Fatalf("RADIUS refused the member's one-time credential: %+v", res)
	}
	if to := rfc2865.SessionTimeout_Get(res.Reply); to != 3600 {
		t.Errorf("Session-Timeout %d, want the members plan's 3600", to)
	}
}
