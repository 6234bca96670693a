package console_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/wifihk/wifihk/internal/browsertest"
)

// TestBrowserAnalytics shows the analytics page at phone and desktop
// widths in the three languages, as staff (the city) and as an operator
// (their organisation only): axe-core clean, nothing scrolling sideways,
// the heatmap drawn with a cell per district and hour, its table opened,
// the trend's eight weeks, the busiest venues, the saturated venue; and
// a screenshot of each.
func TestBrowserAnalytics(t *testing.T) {
	a := startApp(t, appOpts{})
	seedUsage(t, a)
	ctx := slowBrowser(t, 1440, 900)
	axe := browsertest.AxeScript(t)
	shots := browsertest.ShotDir(t)
	for _, who := range []struct{ user, org string }{{"admin", ""}, {"op-a", "orga"}} {
		signInBrowser(t, ctx, a.URL, who.user)
		for _, width := range []int{1440, 390} {
			if width == 390 {
				do(t, ctx, "phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch))
			} else {
				do(t, ctx, "desktop", chromedp.EmulateViewport(1440, 900))
			}
			for _, lang := range []string{"en", "zh-Hant", "zh-Hans"} {
				name := fmt.Sprintf("analytics-%s-%s-%d", who.user, lang, width)
				do(t, ctx, name, chromedp.Navigate(a.URL+"/console/analytics?days=28&lang="+lang), chromedp.WaitVisible(chromedp.CSS("svg.heat")))
				if rows, cells := eval[int](t, ctx, "document.querySelectorAll('#heat-table tbody tr').length"),
					eval[int](t, ctx, "document.querySelectorAll('svg.heat rect').length"); cells != 24*rows || rows == 0 {
					t.Errorf("%s: %d heatmap cells for %d rows", name, cells, rows)
				}
				if n := eval[int](t, ctx, "document.querySelectorAll('#trend-table tbody tr').length"); n != 8 {
					t.Errorf("%s: %d weeks in the trend, want 8", name, n)
				}
				venues := eval[string](t, ctx, "[...document.querySelectorAll('#busiest-table tr[data-venue]')].map(r => r.dataset.venue).join(' ')")
				if venues == "" || who.org != "" && strings.Contains(venues, "orgb/") {
					t.Errorf("%s: busiest venues %q", name, venues)
				}
				if sat := eval[string](t, ctx, "[...document.querySelectorAll('#saturation-table tr[data-venue]')].map(r => r.dataset.venue).join(' ')"); sat != "orga/A003" {
					t.Errorf("%s: saturated venues %q, want orga/A003", name, sat)
				}
				if eval[bool](t, ctx, "document.documentElement.scrollWidth > window.innerWidth") {
					t.Errorf("%s scrolls sideways", name)
				}
				if h := eval[float64](t, ctx, "document.getElementById('csv-heatmap').getBoundingClientRect().height"); h < 44 {
					t.Errorf("%s: the CSV link is %.0f px tall, under 44", name, h)
				}
				do(t, ctx, "open the table", chromedp.Click(chromedp.CSS("#heat-details summary")), chromedp.WaitVisible(chromedp.ID("heat-table")))
				browsertest.NoSeriousViolations(ctx, t, axe, name)
				browsertest.Screenshot(ctx, t, shots, name+".png")
			}
		}
		do(t, ctx, "sign out", chromedp.EmulateViewport(1440, 900), chromedp.Navigate(a.URL+"/console/analytics"),
			chromedp.Click(chromedp.CSS(`form.whoami button`)), chromedp.WaitVisible(chromedp.ID("username")))
	}
	// By venue type, and a refused choice said in words.
	signInBrowser(t, ctx, a.URL, "admin")
	do(t, ctx, "by type", chromedp.Navigate(a.URL+"/console/analytics?by=type&days=91&lang=en"), chromedp.WaitVisible(chromedp.CSS("svg.heat")))
	if rows := eval[string](t, ctx, "document.querySelector('#heat-table tbody').textContent"); !strings.Contains(rows, "Stores/Shopping Malls") {
		t.Errorf("heatmap by venue type: %q", rows)
	}
	browsertest.Screenshot(ctx, t, shots, "analytics-by-type-en-1440.png")
	do(t, ctx, "bad day", chromedp.Navigate(a.URL+"/console/analytics?to=2026-02-30&lang=zh-Hans"), chromedp.WaitVisible(chromedp.CSS("p.error")))
	browsertest.NoSeriousViolations(ctx, t, axe, "analytics bad day")
	browsertest.Screenshot(ctx, t, shots, "analytics-bad-day-zh-Hans-1440.png")
}
