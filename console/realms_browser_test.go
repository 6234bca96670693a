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
// sideways), then edited in place (refused, then saved), then the realm
// removed with its button and the confirmation.
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

	// Edited in place: the row's Edit link opens the form filled; a
	// listed realm with no server is refused in the page's language,
	// then the realm is turned into a listed one.
	do(t, ctx, "edit", chromedp.Navigate(a.URL+"/console/realms?lang=zh-Hant"), chromedp.WaitVisible(chromedp.ID("realm-list")),
		chromedp.Click(chromedp.CSS(`#realm-list a.edit`)), chromedp.WaitVisible(chromedp.ID("realm-edit")))
	if v := eval[string](t, ctx, `document.getElementById("name").value`); v != "*.uni.a.example" {
		t.Fatalf("the edit form holds %q", v)
	}
	browsertest.NoSeriousViolations(ctx, t, axe, "realm edit form")
	browsertest.Screenshot(ctx, t, shots, "realm-edit-zh-Hant.png")
	do(t, ctx, "edit refused", chromedp.Click(chromedp.ID("mode-servers")), chromedp.Click(chromedp.CSS(`#realm-edit button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`p.error`)))
	if msg := text(t, ctx, `p.error`); !strings.Contains(msg, "請列出最少一部歸屬伺服器") {
		t.Errorf("refusal not in the page's language: %q", msg)
	}
	browsertest.NoSeriousViolations(ctx, t, axe, "realm edit refused")
	do(t, ctx, "edit saved", chromedp.SetValue(chromedp.ID("timeout"), "2"), chromedp.Click(chromedp.ID("mode-servers")),
		chromedp.SetValue(chromedp.ID("servers"), "192.0.2.20:1812\n192.0.2.21:1812"), chromedp.SendKeys(chromedp.ID("secret"), "edited-secret"),
		chromedp.Click(chromedp.CSS(`#realm-edit button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(`#realm-list tr[data-server="192.0.2.21:1812"]`)))
	if all, _ := a.Registry.ListRealms("orga"); len(all) != 1 || all[0].Discovery != nil || len(all[0].Servers) != 2 || all[0].Servers[0].TimeoutMS != 2000 {
		t.Fatalf("stored after the edit %+v", all)
	}
	browsertest.NoSeriousViolations(ctx, t, axe, "realm edited")

	do(t, ctx, "remove", chromedp.Navigate(a.URL+"/console/realms?lang=en"), chromedp.WaitVisible(chromedp.ID("realm-list")),
		chromedp.Click(chromedp.CSS(`#realm-list button.danger`)), chromedp.WaitVisible(chromedp.ID("confirm")),
		chromedp.Click(chromedp.ID("confirm")), chromedp.WaitVisible(chromedp.ID("realm-add")), chromedp.WaitNotPresent(chromedp.ID("realm-list")))
	if all, _ := a.Registry.ListRealms("orga"); len(all) != 0 {
		t.Errorf("after removing in the browser: %+v", all)
	}
	browsertest.NoSeriousViolations(ctx, t, axe, "realm removed")
}
