package portal_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wifihk/wifihk/portal"
)

// The terms of use say how long session records are kept.
func TestTermsSayHowLongSessionsAreKept(t *testing.T) {
	for _, tc := range []struct {
		keep time.Duration
		lang string
		want string
	}{
		{397 * 24 * time.Hour, "en", "deleted 397 days after it ends"},
		{397 * 24 * time.Hour, "zh-Hant", "連線結束 397 日後刪除"},
		{0, "en", "kept until the operator deletes them"},
	} {
		srv, _ := newPortal(t, portal.Limits{}, func(c *portal.Config) { c.KeepSessions = tc.keep })
		res, err := http.Get(srv.URL + "/portal/terms?lang=" + tc.lang)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if !strings.Contains(string(body), tc.want) {
			t.Errorf("%v %s: terms lack %q", tc.keep, tc.lang, tc.want)
		}
	}
}

// The terms and the privacy notice (PICS) are reached from the login page
// with its context, in the page's language, and lead back to it.
func TestTermsAndPrivacyKeepTheLoginContext(t *testing.T) {
	srv, _ := newPortal(t, portal.Limits{})
	c := newBrowser(t)
	for _, tc := range []struct{ lang, heading, ordinance string }{
		{"en", "Personal Information Collection Statement", "Cap. 486"},
		{"zh-Hant", "收集個人資料聲明", "第 486 章"},
		{"zh-Hans", "收集个人资料声明", "第 486 章"},
	} {
		_, page := get(t, c, srv.URL+"/portal?"+landingQuery("AA-BB-CC-00-00-09")+"&lang="+tc.lang)
		tok := formFields(t, page).Get("uam")
		for _, path := range []string{"/portal/terms", "/portal/privacy"} {
			link := path + "?lang=" + tc.lang + "&amp;uam=" + tok
			if !strings.Contains(page, `href="`+link+`"`) {
				t.Fatalf("%s: login page has no link to %s with its context", tc.lang, path)
			}
			_, body := get(t, c, srv.URL+strings.ReplaceAll(link, "&amp;", "&"))
			if !strings.Contains(body, `href="/portal?uam=`+tok+`&amp;lang=`+tc.lang+`"`) {
				t.Errorf("%s %s leads nowhere back:\n%s", tc.lang, path, body)
			}
			if path == "/portal/privacy" && (!strings.Contains(body, tc.heading) || !strings.Contains(body, tc.ordinance)) {
				t.Errorf("%s privacy notice:\n%s", tc.lang, body)
			}
		}
	}
}
