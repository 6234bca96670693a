package portal_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gorilla/mux"

	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/internal/secrets"
	"github.com/wifihk/wifihk/internal/storetest"
	"github.com/wifihk/wifihk/portal"
	"github.com/wifihk/wifihk/visitors"
)

// newPortal is a portal alone over a real store, with a NAS "lim" that has
// no UAM secret, and its log.
func newPortal(t *testing.T, limits portal.Limits, configure ...func(*portal.Config)) (*httptest.Server, *bytes.Buffer) {
	t.Helper()
	db := storetest.Open(t)
	sealer, _ := secrets.New(make([]byte, 32))
	reg, err := hotspots.New(db, sealer)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := reg.AddNAS(hotspots.NASInput{Name: "lim", IP: "10.9.0.1", Secret: "secret1", Identifier: "lim"}); err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	cfg := portal.Config{NAS: reg, Visitors: visitors.New(db, sealer), DefaultPlan: hotspots.DefaultPlan(),
		Sender: portal.NewOutbox(t.TempDir(), slog.New(slog.NewTextHandler(&log, nil))), Limits: limits,
		Log: slog.New(slog.NewTextHandler(&log, nil))}
	for _, f := range configure {
		f(&cfg)
	}
	p, err := portal.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	r := mux.NewRouter()
	p.Mount(r)
	s := httptest.NewServer(r)
	t.Cleanup(s.Close)
	return s, &log
}

func landingQuery(mac string) string {
	return "res=notyet&uamip=10.1.0.1&uamport=3990&challenge=00112233445566778899aabbccddeeff&mac=" + mac + "&nasid=lim"
}

func TestRateLimitPerMACAndMaskedLogs(t *testing.T) {
	s, log := newPortal(t, portal.Limits{LoginsPerMinutePerMAC: 2, LoginsPerMinutePerIP: 100})
	c := newBrowser(t)
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	_, page := get(t, c, s.URL+"/portal?"+landingQuery("AA-BB-CC-00-00-01"))
	form := formFields(t, page)
	// Two voucher guesses are answered, the third is refused.
	form.Set("code", "ABCDE-FGH23")
	for i, want := range []int{http.StatusForbidden, http.StatusForbidden, http.StatusTooManyRequests} {
		if code, _, _ := post(t, c, s.URL+"/portal/voucher", form); code != want {
			t.Fatalf("guess %d: %d, want %d", i+1, code, want)
		}
	}
	// Another device from the same address is not held back.
	_, page = get(t, c, s.URL+"/portal?"+landingQuery("AA-BB-CC-00-00-02"))
	other := formFields(t, page)
	other.Set("terms", "yes")
	if code, _, _ := post(t, c, s.URL+"/portal/connect", other); code != http.StatusFound {
		t.Fatalf("other device: %d", code)
	}
	if strings.Contains(log.String(), "aa:bb:cc:00:00:01") || !strings.Contains(log.String(), "aa:bb:cc:xx:xx:xx") {
		t.Fatalf("log shows a full MAC or none masked:\n%s", log)
	}
}

func TestRateLimitPerIP(t *testing.T) {
	s, _ := newPortal(t, portal.Limits{LoginsPerMinutePerIP: 1})
	c := newBrowser(t)
	_, page := get(t, c, s.URL+"/portal?"+landingQuery("AA-BB-CC-00-00-03"))
	form := formFields(t, page)
	post(t, c, s.URL+"/portal/signin", url.Values{"csrf": form["csrf"], "uam": form["uam"], "contact": {"x"}})
	if code, _, _ := post(t, c, s.URL+"/portal/signin", url.Values{"csrf": form["csrf"], "uam": form["uam"], "contact": {"x"}}); code != http.StatusTooManyRequests {
		t.Fatalf("second POST from one address: %d, want 429", code)
	}
}

func TestOpenRedirectRefused(t *testing.T) {
	s, _ := newPortal(t, portal.Limits{})
	c := newBrowser(t)
	_, page := get(t, c, s.URL+"/portal?res=success&uamip=10.1.0.1&uamport=3990&mac=AA-BB-CC-00-00-04&nasid=lim&userurl=javascript%3Aalert(document.cookie)")
	if strings.Contains(page, "javascript:") || !strings.Contains(page, `href="http://10.1.0.1:3990/logoff"`) {
		t.Fatalf("status page:\n%s", page)
	}
	code, _ := get(t, c, s.URL+"/portal?res=notyet&uamip=evil.example.com&uamport=80&challenge=00112233445566778899aabbccddeeff&mac=AA-BB-CC-00-00-04&nasid=lim")
	if code != http.StatusBadRequest {
		t.Fatalf("host name as uamip: %d", code)
	}
	res, err := http.Get(s.URL + "/portal?" + landingQuery("AA-BB-CC-00-00-05"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	csp := res.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "form-action 'self' http://10.1.0.1:3990") {
		t.Fatalf("CSP %q", csp)
	}
}
