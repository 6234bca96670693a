package console_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"github.com/wifihk/wifihk/accounting"
	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/internal/browsertest"
)

// TestBrowserMapRealData draws the 5,430 real venues over the districts:
// each district's shade follows its figure, a venue's name shows on hover
// and on keyboard focus, and the page is screenshotted at phone and
// desktop widths in the three languages, axe-clean.
func TestBrowserMapRealData(t *testing.T) {
	a := startApp(t, appOpts{realData: true})
	ctx := slowBrowser(t, 1440, 900)
	axe := browsertest.AxeScript(t)
	shots := browsertest.ShotDir(t)
	signInBrowser(t, ctx, a.URL, "admin")

	cov, err := a.Registry.Coverage(context.Background(), "", 0, hotspots.CoverageSources{})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []struct {
		key string
		of  func(r hotspots.CoverageRow) int
	}{{"venues", func(r hotspots.CoverageRow) int { return r.Venues }}, {"hotspots", func(r hotspots.CoverageRow) int { return r.Hotspots }}} {
		do(t, ctx, "shade by "+m.key, chromedp.Navigate(a.URL+"/console/coverage"), chromedp.WaitVisible(chromedp.ID("measure")),
			chromedp.SetValue(chromedp.ID("measure"), m.key), chromedp.Click(chromedp.CSS(`form.inline button[type=submit]`)))
		waitFor(t, ctx, "location.search.includes('measure=') && document.readyState === 'complete'")
		if got := eval[string](t, ctx, "new URLSearchParams(location.search).get('measure')"); got != m.key {
			t.Fatalf("the form asked for measure %q", got)
		}
		shades := eval[map[string]string](t, ctx, `Object.fromEntries(Array.from(document.querySelectorAll('svg.map .land path'),
			p => [p.dataset.district, p.getAttribute('class') + ' ' + getComputedStyle(p).fill + ' ' + p.querySelector('title').textContent]))`)
		if len(shades) != 18 {
			t.Fatalf("%d districts drawn, want 18", len(shades))
		}
		// A district with a larger figure is never lighter, the largest
		// is the darkest, and each district's tooltip gives its figure.
		for _, x := range cov.Districts {
			for _, y := range cov.Districts {
				if m.of(x) > m.of(y) && shades[x.Name][:2] == "f" && shades[x.Name][1] < shades[y.Name][1] {
					t.Errorf("%s: %s has %d, %s %d, but %q vs %q", m.key, x.Name, m.of(x), y.Name, m.of(y), shades[x.Name], shades[y.Name])
				}
			}
			if !strings.HasSuffix(shades[x.Name], fmt.Sprint(" ", m.of(x))) {
				t.Errorf("%s tooltip %q does not give its %s (%d)", x.Name, shades[x.Name], m.key, m.of(x))
			}
		}
		top, bottom := cov.Districts[0], cov.Districts[0]
		for _, r := range cov.Districts {
			if m.of(r) > m.of(top) {
				top = r
			}
			if m.of(r) < m.of(bottom) {
				bottom = r
			}
		}
		if !strings.HasPrefix(shades[top.Name], "f5 ") || !strings.HasPrefix(shades[bottom.Name], "f1 ") ||
			strings.Fields(shades[top.Name])[1] == strings.Fields(shades[bottom.Name])[1] {
			t.Errorf("%s: the largest %q, the smallest %q", m.key, shades[top.Name], shades[bottom.Name])
		}
	}

	// Hover: the mouse over a dot that is on top at its centre shows the
	// venue's name and a link to it.
	spot := eval[[]float64](t, ctx, `(() => { for (const c of document.querySelectorAll('svg.map circle[data-venue="hkgwfs/NBCH03M"], svg.map circle')) {
		const r = c.getBoundingClientRect(), x = r.x + r.width/2, y = r.y + r.height/2;
		if (document.elementFromPoint(x, y) === c) { window.hoverKey = c.dataset.venue; return [x, y]; } } })()`)
	do(t, ctx, "hover a dot", chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, spot[0], spot[1]), chromedp.WaitVisible(chromedp.ID("mapinfo")))
	key := eval[string](t, ctx, "window.hoverKey")
	v, err := a.Registry.Venue(hotspots.VenueKey(key))
	if err != nil {
		t.Fatal(err)
	}
	info := text(t, ctx, "#mapinfo")
	link := eval[string](t, ctx, "document.querySelector('#mapinfo a').getAttribute('href')")
	if !strings.Contains(info, v.NameEN) || !strings.Contains(info, hotspotWords(v.Hotspots)) || !strings.HasPrefix(link, "/console/venues/"+v.Org+"/") {
		t.Errorf("hovering %s shows %q linking to %q", key, info, link)
	}
	browsertest.Screenshot(ctx, t, shots, "map-hover-1440.png")

	// Keyboard: in a close-up each dot is a link; focusing one shows it.
	do(t, ctx, "close-up of Sai Kung", chromedp.Navigate(a.URL+"/console/coverage?district=Sai+Kung"), chromedp.WaitVisible(chromedp.CSS("svg.map")),
		chromedp.Focus(chromedp.CSS(`svg.map a[href="/console/venues/PCCW/1739"]`)), chromedp.WaitVisible(chromedp.ID("mapinfo")))
	if info := text(t, ctx, "#mapinfo"); !strings.Contains(info, "Circle K") {
		t.Errorf("focusing the Tseung Kwan O Circle K shows %q", info)
	}
	browsertest.Screenshot(ctx, t, shots, "map-focus-sai-kung-1440.png")

	for _, w := range []int64{390, 1440} {
		do(t, ctx, "viewport", chromedp.EmulateViewport(w, 900))
		for _, lang := range []string{"en", "zh-Hant", "zh-Hans"} {
			name := fmt.Sprintf("coverage-map-%s-%d", lang, w)
			do(t, ctx, name, chromedp.Navigate(a.URL+"/console/coverage?lang="+lang), chromedp.WaitVisible(chromedp.CSS("svg.map")))
			if lang != "zh-Hans" { // the same page as zh-Hant, in other characters; axe takes ~10 s a run here
				browsertest.NoSeriousViolations(ctx, t, axe, name)
			}
			browsertest.Screenshot(ctx, t, shots, name+".png")
			if eval[bool](t, ctx, "document.documentElement.scrollWidth > window.innerWidth") {
				t.Errorf("%s scrolls sideways", name)
			}
			// District names are at least 11 px on screen.
			if px := eval[float64](t, ctx, `Math.min(...Array.from(document.querySelectorAll('svg.map .lbl text'), e => e.getBoundingClientRect().height).filter(h => h > 0))`); px < 11 {
				t.Errorf("%s: district labels %.1f px tall", name, px)
			}
		}
	}
}

// waitFor polls js until it is true across a navigation, which ends a
// chromedp.Poll, within the context's deadline.
func waitFor(t *testing.T, ctx context.Context, js string) {
	t.Helper()
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js))
		if err == nil && ok {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("waiting for %s: %v", js, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func hotspotWords(n int) string {
	if n == 1 {
		return "1 hotspot"
	}
	return fmt.Sprintf("%d hotspots", n)
}

// TestBrowserVenuePicker clicks the venue form's map at Tseung Kwan O:
// the form gets its latitude and longitude, and the saved venue is in
// Sai Kung.
func TestBrowserVenuePicker(t *testing.T) {
	a := startApp(t, appOpts{})
	ctx := slowBrowser(t, 1024, 768)
	axe := browsertest.AxeScript(t)
	shots := browsertest.ShotDir(t)
	signInBrowser(t, ctx, a.URL, "op-a")
	do(t, ctx, "venue form", chromedp.Navigate(a.URL+"/console/venues/new"), chromedp.WaitVisible(chromedp.CSS("svg.picker")))
	browsertest.NoSeriousViolations(ctx, t, axe, "venue form with map")
	const lat, lon = 22.3207, 114.2614 // King Lam Estate, Tseung Kwan O
	at := eval[[]float64](t, ctx, fmt.Sprintf(`(() => { const s = document.querySelector('svg.picker'); s.scrollIntoView({block: 'center'});
		const p = s.createSVGPoint(); p.x = (%v - s.dataset.minLon) * s.dataset.kx; p.y = (s.dataset.maxLat - %v) * s.dataset.ky;
		const q = p.matrixTransform(s.getScreenCTM()); return [q.x, q.y]; })()`, lon, lat))
	if on := eval[string](t, ctx, fmt.Sprintf("document.elementFromPoint(%v, %v)?.closest('svg')?.getAttribute('class')", at[0], at[1])); on != "map picker z1" {
		t.Fatalf("the point to click is on %q, not the map (window %v)", on, eval[[]float64](t, ctx, "[innerWidth, innerHeight]"))
	}
	do(t, ctx, "click the map", chromedp.MouseClickXY(at[0], at[1]),
		chromedp.SendKeys(chromedp.ID("location_id"), "TKO-1"), chromedp.SendKeys(chromedp.ID("name_en"), "King Lam Library"))
	gotLat := eval[string](t, ctx, "document.getElementById('latitude').value")
	gotLon := eval[string](t, ctx, "document.getElementById('longitude').value")
	browsertest.Screenshot(ctx, t, shots, "venue-picker.png")
	do(t, ctx, "save", chromedp.Click(chromedp.CSS(`form.stack button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS("p.notice, p.error")))
	v, err := a.Registry.Venue("orga/TKO-1")
	if err != nil || v.District != "Sai Kung" || abs(v.Latitude-lat) > 0.002 || abs(v.Longitude-lon) > 0.002 {
		t.Fatalf("picked %s,%s: %+v %v", gotLat, gotLon, v, err)
	}
	// Editing frames the map on the venue, with its pin.
	do(t, ctx, "edit", chromedp.Navigate(a.URL+"/console/venues/orga/TKO-1?edit=1"), chromedp.WaitVisible(chromedp.CSS("svg.picker .pin[cx]")))
	if d := eval[string](t, ctx, "document.getElementById('district').value"); d != "Sai Kung" {
		t.Errorf("edit form district %q", d)
	}
}

func abs(f float64) float64 {
	if f < 0 {
		return -f
	}
	return f
}

// slowBrowser is browser with room for pages of 5,430 venues and axe runs
// on a machine shared with other builds.
func slowBrowser(t *testing.T, width, height int) context.Context {
	ctx, cancel := context.WithTimeout(browsertest.Start(t, browsertest.Options{Width: width, Height: height}), 300*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// TestBrowserLongUserNameKeepsDisconnect: a free pass's long user name is
// cut short (whole on hover) so that Disconnect stays on a 1440 px screen.
func TestBrowserLongUserNameKeepsDisconnect(t *testing.T) {
	a := startApp(t, appOpts{})
	if _, err := a.Registry.AddNAS(hotspots.NASInput{Name: "test-nas", IP: "127.0.0.1", Secret: "nas-secret-1", Hotspot: "orga/A001"}); err != nil {
		t.Fatal(err)
	}
	long := "free-" + strings.Repeat("0123456789abcdef", 4) // as long as a free pass's name
	if _, err := accounting.New(a.DB).Apply(accounting.Update{NAS: "test-nas", AcctID: "sess-1", Status: accounting.Start,
		Username: long, MAC: "02:11:22:33:44:77", NASAddr: "127.0.0.1"}); err != nil {
		t.Fatal(err)
	}
	ctx := slowBrowser(t, 1440, 900)
	signInBrowser(t, ctx, a.URL, "op-a")
	do(t, ctx, "sessions", chromedp.Navigate(a.URL+"/console/sessions"), chromedp.WaitVisible(chromedp.CSS(`tr[data-session="test-nas/sess-1"] button`)))
	if right := eval[float64](t, ctx, `document.querySelector('tr[data-session="test-nas/sess-1"] button').getBoundingClientRect().right`); right > 1440 {
		t.Errorf("Disconnect ends at %.0f px, off a 1440 px screen", right)
	}
	if title := eval[string](t, ctx, `document.querySelector('tr[data-session="test-nas/sess-1"] .ident').title`); title != long {
		t.Errorf("the whole name is not at hand: %q", title)
	}
	browsertest.Screenshot(ctx, t, browsertest.ShotDir(t), "sessions-long-name-1440.png")
}
