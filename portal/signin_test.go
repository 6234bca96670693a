package portal_test

import (
	"net/http"
	"testing"
)

// The README's demo visitor, an account made with `user add` and a plain
// user name, signs in through the portal.
func TestPlainUserNameSignsIn(t *testing.T) {
	a := startApp(t)
	g := startGateway(t, a, "demo", "uamsecret", "127.0.0.1")
	g.Attach(loopback, "02:aa:bb:cc:dd:31")
	c := newBrowser(t)
	_, page := get(t, c, g.URL+"/")
	form := formFields(t, page)
	form.Set("contact", " demo ")
	form.Set("password", "demo1234")
	if code, page, _ := post(t, c, portalURL(a.HTTPAddr)+"/signin", form); code != http.StatusOK {
		t.Fatalf("sign-in as demo: %d\n%s", code, page)
	}
	if res := nextResult(t, g); !res.Accepted {
		t.Fatalf("logon refused: %+v", res)
	}
	_, page = get(t, c, g.URL+"/")
	form = formFields(t, page)
	form.Set("contact", "two words")
	form.Set("password", "demo1234")
	if code, _, _ := post(t, c, portalURL(a.HTTPAddr)+"/signin", form); code != http.StatusBadRequest {
		t.Fatalf("a name with a space: %d, want 400", code)
	}
}
