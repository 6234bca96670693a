package console_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/wifihk/wifihk/internal/browsertest"
)

// TestBrowserRealms is an operator managing a realm in Chromium: a
// dynamic realm added through the form, the page at desktop and phone
// widths in the three languages (axe-core clean, nothing scrolling
// sideways), then the realm removed with its button and the confirmation.
func TestBrowserRealms(t *testing.T) {
	a := startApp(t, appOpts{})
	ctx := slowBrowser(t, 1440, 900)
	axe := browsertest.AxeScript(t)
	shots := browsertest.ShotDir(t)
	signInBrowser(t, ctx, a.URL, "op-a")

	do(t, ctx, "add", chromedp.Navigate(a.URL+"/console/realms?lang=en"), chromedp.WaitVisible(chromedp.ID("name")),
		chromedp.SendKeys(chromedp.ID("name"), "*.uni.a.example"), chromedp.Click(chromedp.ID("mode-dynamic")),
		chromedp.Click(chromedp.CSS(`#realm-add button[type=submit]`)), chromedp.WaitVisible(chromedp.ID("realm-list")))
	if row := text(t, ctx, `#realm-list tr[data-realm="*.uni.a.example"]`); !strings.Contains(row, "dynamic") {
		t.Fatalf("the added realm's row: %q", row)
	}
	browsertest.NoSeriousViolations(ctx, t, axe, "realm added")
	if all, _ := a.Registry.ListRealms("orga"); len(all) != 1 || all[0].Discovery == nil {
		t.Fatalf("stored %+v", all)
	}

	for _, width := range []int{1440, 390} {
		if width == 390 {
			do(t, ctx, "phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch))
		}
		for _, lang := range []string{"en", "zh-Hant", "zh-Hans"} {
			shot := fmt.Sprintf("realms-%s-%d", lang, width)
			do(t, ctx, shot, chromedp.Navigate(a.URL+"/console/realms?lang="+lang), chromedp.WaitVisible(chromedp.ID("realm-add")))
			browsertest.NoSeriousViolations(ctx, t, axe, shot)
			browsertest.Screenshot(ctx, t, shots, shot+".png")
			if eval[bool](t, ctx, "document.documentElement.scrollWidth > window.innerWidth") {
				t.Errorf("%s scrolls sideways", shot)
			}
		}
	}

	do(t, ctx, "remove", chromedp.Navigate(a.URL+"/console/realms?lang=en"), chromedp.WaitVisible(chromedp.ID("realm-list")),
		chromedp.Click(chromedp.CSS(`#realm-list button.danger`)), chromedp.WaitVisible(chromedp.ID("confirm")),
		chromedp.Click(chromedp.ID("confirm")), chromedp.WaitVisible(chromedp.ID("realm-add")), chromedp.WaitNotPresent(chromedp.ID("realm-list")))
	if all, _ := a.Registry.ListRealms("orga"); len(all) != 0 {
		t.Errorf("after removing in the browser: %+v", all)
	}
	browsertest.NoSeriousViolations(ctx, t, axe, "realm removed")
}
