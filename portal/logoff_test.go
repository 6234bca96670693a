package portal_test

import (
	"net/url"
	"regexp"
	"strings"
	"testing"
)

var backRE = regexp.MustCompile(`<a href="([^"]*)">Back to the start</a>`)

// After logout, "Back to the start" leads to a fresh login page, not to
// the logout page again.
func TestBackToStartAfterLogout(t *testing.T) {
	a := startApp(t)
	g := startGateway(t, a, "demo", "uamsecret", "127.0.0.1")
	g.Attach(loopback, "02:aa:bb:cc:dd:41")
	c := newBrowser(t)
	clickThrough(t, a, g, c)
	if res := nextResult(t, g); !res.Accepted {
		t.Fatalf("logon: %+v", res)
	}
	code, page := get(t, c, g.URL+"/logoff")
	if code != 200 || !strings.Contains(page, "You have logged out") {
		t.Fatalf("logoff page %d:\n%s", code, page)
	}
	m := backRE.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no way back on the logoff page:\n%s", page)
	}
	back, err := url.Parse("http://" + a.HTTPAddr.String() + "/")
	if err == nil {
		back, err = back.Parse(strings.ReplaceAll(m[1], "&amp;", "&"))
	}
	if err != nil {
		t.Fatal(err)
	}
	code, page = get(t, c, back.String())
	if code != 200 || strings.Contains(page, "You have logged out") || !strings.Contains(page, `action="/portal/connect"`) {
		t.Fatalf("back to the start gave %d:\n%s", code, page)
	}
	// And that login page works.
	form := formFields(t, page)
	form.Set("terms", "yes")
	post(t, c, portalURL(a.HTTPAddr)+"/connect", form)
	if res := nextResult(t, g); !res.Accepted {
		t.Fatalf("second logon: %+v", res)
	}
}
