package portal_test

import (
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"testing"
	"time"

	"github.com/wifihk/wifihk/controller"
	"github.com/wifihk/wifihk/portal"
	"github.com/wifihk/wifihk/portal/gateway"
)

// smartClient speaks WISPr 1.0 as a carrier's or an OS's login helper
// does: it follows no redirect itself but reads the WISPr document in each
// answer and goes where that says.
type smartClient struct {
	t *testing.T
	c *http.Client
}

func newSmartClient(t *testing.T) *smartClient {
	return &smartClient{t: t, c: &http.Client{Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (s *smartClient) read(res *http.Response, err error) (int, portal.WISPrParam) {
	s.t.Helper()
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	p, err := portal.ParseWISPr(body)
	if err != nil {
		s.t.Fatalf("%s %s: %d: %v\n%s", res.Request.Method, res.Request.URL, res.StatusCode, err, body)
	}
	return res.StatusCode, p
}

func (s *smartClient) get(u string) (int, portal.WISPrParam) { return s.read(s.c.Get(u)) }

// login is the WISPr 1.0 login POST.
func (s *smartClient) login(loginURL, user, password string) (int, portal.WISPrParam) {
	return s.read(s.c.PostForm(loginURL, url.Values{"UserName": {user}, "Password": {password},
		"button": {"Login"}, "FNAME": {"0"}, "OriginatingServer": {"http://www.example.com/"}}))
}

func startWISPrGateway(t *testing.T, a *controller.App) *gateway.Gateway {
	t.Helper()
	base := portalURL(a.HTTPAddr)
	g, err := gateway.Start(gateway.Config{PortalURL: base, RADIUSAddr: a.AuthAddr.String(), Secret: "testing123",
		NASID: "demo", UAMSecret: "uamsecret", Called: "00-11-22-33-44-55", SourceIP: netip.MustParseAddr("127.0.0.1").AsSlice(),
		WISPrLogin: base + "?nasid=demo"}) // chilli's wisprlogin, as docs/GATEWAYS.md says
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })
	return g
}

// A WISPr 1.0 smart client logs the demo visitor on: gateway information
// from the redirect, the login POST to its LoginURL, the gateway's reply
// with the LogoffURL, and logoff.
func TestWISPrSmartClientLogsOn(t *testing.T) {
	a := startApp(t)
	g := startWISPrGateway(t, a)
	g.Attach(loopback, "02:aa:bb:cc:dd:71")
	s := newSmartClient(t)

	code, info := s.get(g.URL + "/")
	if code != http.StatusFound || info.Redirect == nil || info.Redirect.MessageType != portal.WISPrRedirect || info.Redirect.LoginURL == "" {
		t.Fatalf("gateway info: %d %+v", code, info)
	}
	loginURL := info.Redirect.LoginURL

	// A wrong password: the portal answers itself, login failed.
	if code, rep := s.login(loginURL, "demo", "wrong-password"); code != 200 || rep.AuthenticationReply == nil ||
		rep.AuthenticationReply.ResponseCode != portal.WISPrLoginFailed {
		t.Fatalf("wrong password: %d %+v", code, rep.AuthenticationReply)
	}

	code, rep := s.login(loginURL, "demo", "demo1234")
	if code != http.StatusFound || rep.Proxy == nil || rep.Proxy.MessageType != portal.WISPrProxy || rep.Proxy.NextURL == "" {
		t.Fatalf("login POST: %d %+v", code, rep)
	}
	code, rep = s.get(rep.Proxy.NextURL) // the gateway's /logon: RADIUS decides
	r := rep.AuthenticationPollReply
	if r == nil || r.ResponseCode != portal.WISPrLoginSucceeded || r.LogoffURL != g.URL+"/logoff" {
		t.Fatalf("logon: %d %+v", code, r)
	}
	if res := nextResult(t, g); !res.Accepted || res.Username != "demo" {
		t.Fatalf("Access-Request: %+v", res)
	}
	if res, err := s.c.Get(r.LogoffURL); err != nil || res.StatusCode != http.StatusFound {
		t.Fatalf("logoff: %v %v", res, err)
	}

	// The portal also answers a GET of the LoginURL with where to log in,
	// and a LoginURL that names no gateway with an error.
	if code, rep := s.get(loginURL); code != 200 || rep.Redirect == nil || rep.Redirect.LoginURL != loginURL {
		t.Fatalf("GET LoginURL: %d %+v", code, rep.Redirect)
	}
	u, _ := url.Parse(loginURL)
	q := u.Query()
	q.Del("nasid")
	u.RawQuery = q.Encode()
	if code, rep := s.login(u.String(), "demo", "demo1234"); code != http.StatusBadRequest || rep.AuthenticationReply == nil ||
		rep.AuthenticationReply.ResponseCode != portal.WISPrInternalError {
		t.Fatalf("LoginURL without nasid: %d %+v", code, rep)
	}
}
