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
