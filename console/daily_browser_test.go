package console_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/wifihk/wifihk/internal/browsertest"
)

// TestBrowserHistoryVouchersAndGateways uses the history, voucher-batch
// and gateway pages as an operator would, at phone and desktop widths in
// the three languages: axe-core clean, nothing scrolling sideways, a
// batch revoked and a gateway added with its secret shown, and the staff
// page with an account added.
func TestBrowserHistoryVouchersAndGateways(t *testing.T) {
	a := startApp(t, appOpts{})
	seedHistory(t, a)
	ctx := slowBrowser(t, 1440, 900)
	axe := browsertest.AxeScript(t)
	shots := browsertest.ShotDir(t)
	signInBrowser(t, ctx, a.URL, "op-a")

	// A gateway, added through the form: the secret is on the answer.
	do(t, ctx, "gateways", chromedp.Navigate(a.URL+"/console/nas"), chromedp.WaitVisible(chromedp.ID("name")),
		chromedp.SendKeys(chromedp.ID("name"), "lib-a2"), chromedp.SendKeys(chromedp.ID("ip"), "192.0.2.20"),
		chromedp.SendKeys(chromedp.ID("venue"), "orga/A001"), chromedp.Click(chromedp.CSS(`form.stack button[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID("new-secret")))
	if s := text(t, ctx, "#new-secret"); len(s) < 32 {
		t.Errorf("secret shown: %q", s)
	}
	browsertest.NoSeriousViolations(ctx, t, axe, "gateway added")
	browsertest.Screenshot(ctx, t, shots, "nas-added-1440.png")

	// A batch of vouchers, then revoked from its page.
	do(t, ctx, "vouchers", chromedp.Navigate(a.URL+"/console/vouchers"), chromedp.WaitVisible(chromedp.ID("count")),
		chromedp.SetValue(chromedp.ID("count"), "4"), chromedp.SetValue(chromedp.ID("note"), "lobby"),
		chromedp.Click(chromedp.CSS(`form.stack button[type=submit]`)), chromedp.WaitVisible(chromedp.ID("batch-link")),
		chromedp.Click(chromedp.ID("batch-link")), chromedp.WaitVisible(chromedp.ID("revoke")))
	browsertest.NoSeriousViolations(ctx, t, axe, "batch before revoke")
	do(t, ctx, "revoke", chromedp.Click(chromedp.ID("revoke")), chromedp.WaitVisible(chromedp.ID("revoked")))
	if n := eval[int](t, ctx, `[...document.querySelectorAll('#batch-vouchers tbody tr')].filter(r => /disabled/.test(r.textContent)).length`); n != 4 {
		t.Errorf("%d of 4 codes shown disabled after revoke", n)
	}
	browsertest.Screenshot(ctx, t, shots, "voucher-revoked-1440.png")

	// Every page at both widths in the three languages, as an admin (who
	// also has the staff page).
	do(t, ctx, "sign out", chromedp.Click(chromedp.CSS(`form.whoami button`)), chromedp.WaitVisible(chromedp.ID("username")))
	signInBrowser(t, ctx, a.URL, "admin")
	pages := []struct{ path, wait, name string }{
		{"/console/sessions/history", "#hist-count", "history"},
		{"/console/vouchers", "#batches", "vouchers"},
		{"/console/nas", "#nas-list", "nas"},
		{"/console/staff", "#staff-list", "staff"},
		{"/console/accounts?q=nobody", "#no-account", "accounts"},
	}
	axeAt := map[string]int{"en": 1440, "zh-Hant": 390, "zh-Hans": 390}
	for _, width := range []int{1440, 390} {
		if width == 390 {
			do(t, ctx, "phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch))
		}
		for _, lang := range []string{"en", "zh-Hant", "zh-Hans"} {
			for _, p := range pages {
				name := fmt.Sprintf("%s-%s-%d", p.name, lang, width)
				sep := "?"
				if strings.Contains(p.path, "?") {
					sep = "&"
				}
				do(t, ctx, name, chromedp.Navigate(a.URL+p.path+sep+"lang="+lang), chromedp.WaitVisible(chromedp.CSS(p.wait)))
				if axeAt[lang] == width { // once per page and language
					browsertest.NoSeriousViolations(ctx, t, axe, name)
				}
				browsertest.Screenshot(ctx, t, shots, name+".png")
				if eval[bool](t, ctx, "document.documentElement.scrollWidth > window.innerWidth") {
					t.Errorf("%s scrolls sideways", name)
				}
			}
		}
	}
	// A filter, and a date refused in words.
	do(t, ctx, "history filtered", chromedp.Navigate(a.URL+"/console/sessions/history?from=2026-12-02&to=2026-12-02&lang=en"), chromedp.WaitVisible(chromedp.ID("hist-count")))
	if n := eval[int](t, ctx, "document.querySelectorAll('tr[data-session]').length"); n != 2 {
		t.Errorf("history of 2 December shows %d sessions, want 2", n)
	}
	do(t, ctx, "history bad date", chromedp.Navigate(a.URL+"/console/sessions/history?from=2026-13-01&lang=zh-Hant"), chromedp.WaitVisible(chromedp.CSS("p.error")))
	browsertest.NoSeriousViolations(ctx, t, axe, "history bad date")
	browsertest.Screenshot(ctx, t, shots, "history-bad-date-zh-Hant-390.png")
	// On the phone the history's rows and export are there.
	do(t, ctx, "history on a phone", chromedp.Navigate(a.URL+"/console/sessions/history?lang=en"), chromedp.WaitVisible(chromedp.ID("export")))
	if n := eval[int](t, ctx, "document.querySelectorAll('tr[data-session]').length"); n != 4 {
		t.Errorf("history on a phone shows %d of the 4 sessions", n)
	}
	if h := eval[float64](t, ctx, "document.getElementById('export').getBoundingClientRect().height"); h < 44 {
		t.Errorf("export link is %.0f px tall, under 44", h)
	}
	// The staff page on a phone: an account added, its password shown.
	do(t, ctx, "add staff", chromedp.Navigate(a.URL+"/console/staff?lang=zh-Hant"), chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.SendKeys(chromedp.ID("username"), "op-new"), chromedp.SetValue(chromedp.ID("org"), "orga"),
		chromedp.Click(chromedp.CSS(`form.stack button[type=submit]`)), chromedp.WaitVisible(chromedp.ID("new-password")))
	browsertest.NoSeriousViolations(ctx, t, axe, "staff added")
	browsertest.Screenshot(ctx, t, shots, "staff-added-zh-Hant-390.png")
	if eval[bool](t, ctx, "document.documentElement.scrollWidth > window.innerWidth") {
		t.Error("the staff page scrolls sideways on a phone")
	}
	// A bulk import on a phone: the dry run's report names the bad row.
	file := filepath.Join(t.TempDir(), "accounts.csv")
	os.WriteFile(file, []byte("username,password\nguest-1,password-one\nguest-2,short\n"), 0o644)
	do(t, ctx, "import", chromedp.Navigate(a.URL+"/console/accounts?lang=en"), chromedp.WaitVisible(chromedp.ID("file")),
		chromedp.SetUploadFiles(chromedp.ID("file"), []string{file}), chromedp.Click(chromedp.CSS(`form.stack button[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID("rejected")))
	if rej := text(t, ctx, "#rejected tbody"); !strings.Contains(rej, "guest-2") || !strings.Contains(rej, "8-128") {
		t.Errorf("rejected rows: %q", rej)
	}
	browsertest.NoSeriousViolations(ctx, t, axe, "import report")
	browsertest.Screenshot(ctx, t, shots, "accounts-import-en-390.png")
}
