package console_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkCoveragePage renders the coverage page for an admin with the
// real 5,430 venues (plus two test venues) through the app's router, as
// the server does for each request, and reports the page's size, plain
// and gzipped, and with gzip the bytes of the page and the style, script
// and logo it loads (the map is inline SVG, in the page).
//
//	go test ./console -run '^$' -bench CoveragePage -benchtime 50x
func BenchmarkCoveragePage(b *testing.B) {
	a := startApp(b, appOpts{realData: true})
	c := client(b)
	signIn(b, c, a.URL, "admin")
	for _, enc := range []string{"plain", "gzip"} {
		b.Run(enc, func(b *testing.B) {
			req := httptest.NewRequest("GET", "/console/coverage", nil)
			u, _ := req.URL.Parse(a.URL)
			for _, ck := range c.Jar.Cookies(u) {
				req.AddCookie(ck)
			}
			if enc == "gzip" {
				req.Header.Set("Accept-Encoding", "gzip")
			}
			size := 0
			for b.Loop() {
				rec := httptest.NewRecorder()
				a.Router.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("coverage: %d", rec.Code)
				}
				size = rec.Body.Len()
			}
			b.ReportMetric(float64(size), "page-bytes")
			if enc == "gzip" {
				b.ReportMetric(float64(size+assetBytes(b, a)), "with-assets-bytes")
			}
		})
	}
}

// assetBytes is what the coverage page loads besides itself (style,
// script, logo), as the static handler sends them.
func assetBytes(b *testing.B, a *testApp) int {
	n := 0
	for _, f := range []string{"console.css", "console.js", "logo.svg"} {
		rec := httptest.NewRecorder()
		a.Router.ServeHTTP(rec, httptest.NewRequest("GET", "/console/static/"+f, nil))
		if rec.Code != http.StatusOK {
			b.Fatalf("%s: %d", f, rec.Code)
		}
		n += rec.Body.Len()
	}
	return n
}
