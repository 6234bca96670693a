package portal_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/wifihk/wifihk/internal/browsertest"
)

// runAxe fails the test for every axe-core WCAG 2.1 AA violation, minor
// ones included: the portal is held to a stricter bar than the console.
func runAxe(ctx context.Context, t *testing.T, axe, where string) {
	t.Helper()
	vs, err := browsertest.Axe(ctx, axe)
	if err != nil {
		t.Fatalf("%s: %v", where, err)
	}
	for _, v := range vs {
		t.Errorf("axe on %s: %s", where, v)
	}
}

func text(ctx context.Context, t *testing.T, sel string) string {
	t.Helper()
	var err error
	for try := 0; try < 5; try++ {
		// A node found just as the page is replaced (the gateway's
		// redirects end on the status page) is gone when read: read again.
		var s string
		if s, err = chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel))); err == nil {
			return s
		}
		time.Sleep(200 * time.Millisecond) // the next page loading
	}
	t.Fatalf("text of %s: %v", sel, err)
	return ""
}

// TestBrowser drives Debian's Chromium: it opens the gateway's UAM
// redirect, accepts the terms, clicks Connect, follows the redirect to the
// gateway's /logon (which asks the real RADIUS server) and lands on the
// status page; then it checks the three languages, text at 200% and
// axe-core's WCAG 2.1 AA rules. Screenshots go to the test's temp dir.
func TestBrowser(t *testing.T) {
	browser := browsertest.Start(t, browsertest.Options{Width: 390, Height: 844})
	axe := browsertest.AxeScript(t)

	a := startApp(t)
	g := startGateway(t, a, "demo", "uamsecret", "127.0.0.1")
	g.Attach(loopback, "02:aa:bb:cc:dd:10")
	shots := browsertest.ShotDir(t)
	t.Logf("screenshots in %s", shots)
	if err := chromedp.Do(browser, browsertest.Call(network.Enable, network.EnableParams{}),
		browsertest.Call(network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: network.Headers{"Accept-Language": "en-GB,en;q=0.9"}})); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	ctx, cancelT := context.WithTimeout(browser, 90*time.Second)
	defer cancelT()

	// Land, connect, and be online.
	if err := chromedp.Do(ctx, chromedp.Navigate(g.URL+"/?userurl=http%3A%2F%2Fexample.com%2F"),
		chromedp.WaitVisible(chromedp.ID("connect"))); err != nil {
		t.Fatalf("landing: %v", err)
	}
	if h1 := text(ctx, t, "h1"); h1 != "Free Wi-Fi" {
		t.Fatalf("landing h1 %q", h1)
	}
	browsertest.Screenshot(ctx, t, shots, "landing-en.png")
	runAxe(ctx, t, axe, "landing (en)")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("terms")), chromedp.Click(chromedp.ID("connect")),
		chromedp.WaitVisible(chromedp.ID("time-left"))); err != nil {
		t.Fatalf("connect: %v", err)
	}
	if res := nextResult(t, g); !res.Accepted {
		t.Fatalf("RADIUS did not accept the browser's logon: %+v", res)
	}
	// The page after login names the venue and counts the time down.
	if venue := text(ctx, t, "#venue"); venue != "At Causeway Bay Demo Library · About this hotspot" {
		t.Errorf("status page venue %q", venue)
	}
	// The element shows minutes ("30 min") until its script takes over.
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.getElementById('time-left').textContent.includes(':')`)); err != nil {
		t.Fatalf("the countdown did not start: %v", err)
	}
	first := text(ctx, t, "#time-left")
	if first != "30:00" && !strings.HasPrefix(first, "29:") {
		t.Errorf("time left %q, want a countdown from 30:00", first)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](fmt.Sprintf(`document.getElementById('time-left').textContent !== %q`, first))); err != nil {
		t.Fatalf("the time left stays at %q: %v", first, err)
	}
	if later := text(ctx, t, "#time-left"); !strings.HasPrefix(later, "29:") {
		t.Errorf("a moment later the time left is %q", later)
	}
	browsertest.Screenshot(ctx, t, shots, "status-en.png")
	runAxe(ctx, t, axe, "status (en)")

	// The language switch, and the landing page in each language.
	for _, l := range []struct{ html, h1 string }{{"zh-Hant-HK", "免費 Wi-Fi"}, {"zh-Hans", "免费 Wi-Fi"}, {"en", "Free Wi-Fi"}} {
		err := chromedp.Do(ctx, chromedp.Navigate(g.URL+"/"), chromedp.WaitVisible(chromedp.ID("connect")),
			chromedp.Click(chromedp.CSS(fmt.Sprintf(`nav a[hreflang="%s"]`, l.html))),
			chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`html[lang="%s"] #connect`, l.html))))
		if err != nil {
			t.Fatalf("switch to %s: %v", l.html, err)
		}
		if h1 := text(ctx, t, "h1"); h1 != l.h1 {
			t.Fatalf("%s: h1 %q, want %q", l.html, h1, l.h1)
		}
		browsertest.Screenshot(ctx, t, shots, "landing-"+l.html+".png")
		runAxe(ctx, t, axe, "landing ("+l.html+")")
	}

	// Accept-Language alone picks Traditional Chinese for Hong Kong once
	// the switch's cookie is gone.
	if err := chromedp.Do(ctx, browsertest.Call(network.ClearBrowserCookies, cdp.Empty{}),
		browsertest.Call(network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: network.Headers{"Accept-Language": "zh-HK,zh;q=0.9,en;q=0.5"}}),
		chromedp.Navigate(g.URL+"/"), chromedp.WaitVisible(chromedp.ID("connect"))); err != nil {
		t.Fatal(err)
	}
	if h1 := text(ctx, t, "h1"); h1 != "免費 Wi-Fi" {
		t.Fatalf("Accept-Language zh-HK: h1 %q", h1)
	}

	// Text at 200%: nothing scrolls sideways on a 390 px wide phone.
	overflow, err := chromedp.Run(ctx, chromedp.Evaluate[bool](
		`document.documentElement.style.fontSize='200%'; document.documentElement.scrollWidth > window.innerWidth`))
	if err != nil || overflow {
		t.Errorf("at 200%% text the page scrolls sideways (%v)", err)
	}
	browsertest.Screenshot(ctx, t, shots, "landing-200pct.png")
}
