package portal_test

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/wifihk/wifihk/hotspots"
)

var sectionRE = regexp.MustCompile(`<section aria-labelledby="(free|acct|voucher)-h">|<details class="more" id="more"( open)?>`)

// layout is the landing page's forms in order, with "more" where the
// closed "other ways" begin ("more-open" when it starts open).
func layout(page string) string {
	var out []string
	for _, m := range sectionRE.FindAllStringSubmatch(page, -1) {
		switch {
		case m[1] != "":
			out = append(out, m[1])
		case m[2] != "":
			out = append(out, "more-open")
		default:
			out = append(out, "more")
		}
	}
	return strings.Join(out, " ")
}

// TestLandingShowsTheFormsThePlanOffers: the venue's plan decides which
// forms the landing page shows, the likeliest first and the rest behind
// "other ways"; a free plan whose day is used up opens them.
func TestLandingShowsTheFormsThePlanOffers(t *testing.T) {
	a := startApp(t)
	g := startGateway(t, a, "demo", "uamsecret", "127.0.0.1")
	g.Attach(loopback, "02:aa:bb:cc:dd:40")
	c := newBrowser(t)
	for _, tc := range []struct {
		plan hotspots.Plan
		want string
	}{
		{hotspots.Plan{Name: "p-free", Kind: hotspots.PlanFree, SessionTimeout: 1800}, "free more acct voucher"},
		{hotspots.Plan{Name: "p-accounts", Kind: hotspots.PlanAccounts, SessionTimeout: 1800}, "acct more voucher"},
		{hotspots.Plan{Name: "p-members", Kind: hotspots.PlanMembers, Org: "demo", SessionTimeout: 1800}, "acct more voucher"},
		{hotspots.Plan{Name: "p-voucher", Kind: hotspots.PlanVoucher}, "voucher"},
		{hotspots.Plan{Name: "p-used-up", Kind: hotspots.PlanFreeTimed, SessionTimeout: 1800, SessionsPerDay: 1}, "free more acct voucher"},
	} {
		if _, err := a.Registry.AddPlan(tc.plan); err != nil {
			t.Fatal(err)
		}
		v, err := a.Registry.Venue("demo/CWB-LIB")
		if err != nil {
			t.Fatal(err)
		}
		v.Plan = tc.plan.Name
		if _, err := a.Registry.UpdateVenue(v); err != nil {
			t.Fatal(err)
		}
		_, page := get(t, c, g.URL+"/")
		if got := layout(page); got != tc.want {
			t.Errorf("%s: forms %q, want %q", tc.plan.Name, got, tc.want)
		}
		if tc.plan.Kind == hotspots.PlanVoucher && strings.Contains(page, `id="contact"`) {
			t.Errorf("%s: offers an account sign-in", tc.plan.Name)
		}
	}
	// In Chinese the links to the terms and the privacy notice are set
	// off with Chinese punctuation.
	req, _ := http.NewRequest("GET", g.URL+"/", nil)
	req.Header.Set("Accept-Language", "zh-HK")
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	zh, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !regexp.MustCompile(`（<a [^>]+>閱讀使用條款</a>、<a [^>]+>私隱聲明</a>）`).Match(zh) {
		t.Errorf("zh-Hant landing: the links are not in Chinese punctuation:\n%s", zh)
	}
	// The day's one free session used: the other ways start open.
	_, page := get(t, c, g.URL+"/")
	form := formFields(t, page)
	form.Set("terms", "yes")
	code, status, _ := post(t, c, portalURL(a.HTTPAddr)+"/connect", form)
	if code != 200 {
		t.Fatalf("connect: %d\n%s", code, status)
	}
	// The page after login names the venue, links to its page and gives
	// the seconds left for the countdown.
	for _, want := range []string{`<p id="venue">At Causeway Bay Demo Library · <a href="/portal/venue?v=demo%2FCWB-LIB&amp;lang=en">`,
		`<dd id="time-left" data-seconds="`, `<script src="/portal/static/countdown.js" defer></script>`} {
		if !strings.Contains(status, want) {
			t.Errorf("status page lacks %s:\n%s", want, status)
		}
	}
	if m := regexp.MustCompile(`data-seconds="(\d+)"`).FindStringSubmatch(status); m == nil || m[1] < "1700" || len(m[1]) != 4 {
		t.Errorf("seconds left %v, want about 1800", m)
	}
	nextResult(t, g)
	_, page = get(t, c, g.URL+"/")
	if got := layout(page); got != "free more-open acct voucher" || !strings.Contains(page, "free sessions for today") {
		t.Errorf("after the day's free session: forms %q", got)
	}
}
