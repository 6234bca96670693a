package console_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/internal/browsertest"
	"github.com/wifihk/wifihk/visitors"
)

// TestBrowserHistoryVouchersAndGateways uses the history, voucher-batch
// and gateway pages as an operator would, at phone and desktop widths in
// the three languages: axe-core clean, nothing scrolling sideways, a
// batch revoked and a gateway added with its secret shown, and the staff
// page with an account added.
func TestBrowserHistoryVouchersAndGateways(t *testing.T) {
	a := startApp(t, appOpts{})
	seedHistory(t, a)
	if _, err := a.Registry.AddVenue(hotspots.Venue{Org: "orga", LocationID: "A002", NameEN: "Kiosk of orga", TypeEN: "Telephone Booths",
		AddressEN: "2 Test Road", Latitude: 22.2780, Longitude: 114.1750, SSID: "WiFi@HK", Hotspots: 1}); err != nil {
		t.Fatal(err)
	}
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
	// Revoke asks first, on a page of its own (no script dialog).
	do(t, ctx, "revoke", chromedp.Click(chromedp.ID("revoke")), chromedp.WaitVisible(chromedp.ID("confirm")))
	if q := text(t, ctx, "h1"); !strings.HasPrefix(q, "Revoke batch ") || !strings.Contains(q, "4 of 4 codes still usable") {
		t.Errorf("confirmation asks %q", q)
	}
	browsertest.NoSeriousViolations(ctx, t, axe, "revoke confirmation")
	browsertest.Screenshot(ctx, t, shots, "voucher-revoke-confirm-1440.png")
	do(t, ctx, "cancel", chromedp.Click(chromedp.ID("cancel")), chromedp.WaitVisible(chromedp.ID("revoke")))
	if n := eval[int](t, ctx, `[...document.querySelectorAll('#batch-vouchers tbody tr')].filter(r => /disabled/.test(r.textContent)).length`); n != 0 {
		t.Fatalf("%d codes disabled by a cancelled revoke", n)
	}
	do(t, ctx, "revoke confirmed", chromedp.Click(chromedp.ID("revoke")), chromedp.WaitVisible(chromedp.ID("confirm")),
		chromedp.Click(chromedp.ID("confirm")), chromedp.WaitVisible(chromedp.ID("revoked")))
	if n := eval[int](t, ctx, `[...document.querySelectorAll('#batch-vouchers tbody tr')].filter(r => /disabled/.test(r.textContent)).length`); n != 4 {
		t.Errorf("%d of 4 codes shown disabled after revoke", n)
	}
	browsertest.Screenshot(ctx, t, shots, "voucher-revoked-1440.png")

	// Every page at both widths in the three languages, as an admin (who
	// also has the staff page and the unknown sources), with a gateway
	// whose packets are dropped: its drops and alert are on the pages.
	do(t, ctx, "sign out", chromedp.Click(chromedp.CSS(`form.whoami button`)), chromedp.WaitVisible(chromedp.ID("username")))
	signInBrowser(t, ctx, a.URL, "admin")
	dropSomePackets(t, a)
	do(t, ctx, "drop alert", chromedp.Navigate(a.URL+"/console/alerts"), chromedp.WaitVisible(chromedp.ID("drop-alerts")))
	if n := eval[int](t, ctx, `document.querySelectorAll('#drop-alerts tbody tr').length`); n != 1 {
		t.Errorf("%d drop alerts, want gw-a's", n)
	}
	browsertest.NoSeriousViolations(ctx, t, axe, "drop alert")
	do(t, ctx, "drops", chromedp.Navigate(a.URL+"/console/nas#drops"), chromedp.WaitVisible(chromedp.ID("drops-list")))
	if n := eval[int](t, ctx, `document.querySelectorAll('#drops-list tr[data-reason]').length`); n != 2 {
		t.Errorf("%d drop reasons shown, want 2", n)
	}
	pages := []struct{ path, wait, name string }{
		{"/console/sessions/history", "#hist-count", "history"},
		{"/console/vouchers", "#batches", "vouchers"},
		{"/console/nas", "#nas-list", "nas"},
		{"/console/staff", "#staff-list", "staff"},
		{"/console/accounts?q=nobody", "#no-account", "accounts"},
		{"/console/coverage", "svg.map", "coverage"},
		{"/console/sessions", "#q", "sessions"},
		{"/console/venues", "table.data", "venues"},
		{"/console/alerts", "#h-nas", "alerts"},
	}
	strip := map[string]bool{"history": true, "vouchers": true, "nas": true, "staff": true, "coverage": true, "sessions": true, "venues": true, "alerts": true}
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
				// The summary strip sits right under the heading, each
				// figure on one screen row with its label.
				if strip[p.name] && !eval[bool](t, ctx, `(() => { const s = document.querySelector('main h1 + #summary');
					return !!s && s.children.length >= 3 && [...s.children].every(li => li.querySelector('strong').textContent.trim() !== '' &&
						li.getBoundingClientRect().right <= window.innerWidth); })()`) {
					t.Errorf("%s: no summary strip under the heading, or it leaves the screen", name)
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
	// The export link of a filtered history downloads those sessions as
	// CSV, with this browser's session cookie.
	do(t, ctx, "history of orgb's venue", chromedp.Navigate(a.URL+"/console/sessions/history?q=orgb%2FB001&lang=en"), chromedp.WaitVisible(chromedp.ID("export")))
	export, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`fetch(document.getElementById('export').href).then(async r =>
		[r.headers.get('content-type'), r.headers.get('content-disposition'), await r.text()])`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("export: %v", err)
	}
	if lines := strings.Split(strings.TrimSpace(export[2]), "\n"); !strings.HasPrefix(export[0], "text/csv") || !strings.Contains(export[1], "attachment") ||
		len(lines) != 2 || !strings.Contains(lines[1], "carol") || !strings.Contains(lines[0], "username") {
		t.Errorf("export: %q %q\n%s", export[0], export[1], export[2])
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
	// Then for real: the good row is added, the report says so.
	vis := visitors.New(a.DB, a.Sealer)
	do(t, ctx, "a new file", chromedp.WaitVisible(chromedp.ID("file")), chromedp.SetUploadFiles(chromedp.ID("file"), []string{file}))
	if eval[bool](t, ctx, "(d => { d.checked = false; return d.checked })(document.getElementById('dry_run'))") {
		t.Fatal("the dry run stays ticked")
	}
	// The dry run's report is on screen until the answer replaces it.
	do(t, ctx, "import for real", chromedp.Click(chromedp.CSS(`form.stack button[type=submit]`)))
	waitFor(t, ctx, "!(document.querySelector('#report h3')?.textContent || 'Dry run').startsWith('Dry run')")
	if h := text(t, ctx, "#report h3"); h != "2 rows read, 1 accounts added." {
		t.Errorf("import report %q", h)
	}
	if _, err := vis.Get("guest-1"); err != nil {
		t.Fatalf("guest-1 after the import: %v", err)
	}
	// The account's page: disable it, then delete it after the
	// confirmation, in Traditional Chinese.
	do(t, ctx, "look up guest-1", chromedp.Navigate(a.URL+"/console/accounts?q=guest-1&lang=zh-Hant"), chromedp.WaitVisible(chromedp.ID("acc-disable")))
	browsertest.NoSeriousViolations(ctx, t, axe, "account")
	browsertest.Screenshot(ctx, t, shots, "account-zh-Hant-390.png")
	do(t, ctx, "disable guest-1", chromedp.Click(chromedp.ID("acc-disable")), chromedp.WaitVisible(chromedp.ID("acc-enable")))
	if c, err := vis.Get("guest-1"); err != nil || !c.Disabled {
		t.Errorf("guest-1 after Disable: %+v %v", c, err)
	}
	do(t, ctx, "delete guest-1", chromedp.Click(chromedp.ID("acc-delete")), chromedp.WaitVisible(chromedp.ID("confirm")))
	browsertest.NoSeriousViolations(ctx, t, axe, "account delete confirmation")
	browsertest.Screenshot(ctx, t, shots, "account-delete-confirm-zh-Hant-390.png")
	do(t, ctx, "confirm delete", chromedp.Click(chromedp.ID("confirm")), chromedp.WaitVisible(chromedp.CSS("p.notice")))
	if _, err := vis.Get("guest-1"); err == nil {
		t.Error("guest-1 is still there after the confirmed delete")
	}
	// A venue removed from its page, after the confirmation, in
	// Simplified Chinese.
	do(t, ctx, "venue", chromedp.Navigate(a.URL+"/console/venues/orga/A002?lang=zh-Hans"), chromedp.WaitVisible(chromedp.ID("venue-delete")),
		chromedp.Click(chromedp.ID("venue-delete")), chromedp.WaitVisible(chromedp.ID("confirm")))
	browsertest.NoSeriousViolations(ctx, t, axe, "venue delete confirmation")
	browsertest.Screenshot(ctx, t, shots, "venue-delete-confirm-zh-Hans-390.png")
	do(t, ctx, "confirm venue delete", chromedp.Click(chromedp.ID("confirm")), chromedp.WaitVisible(chromedp.CSS("p.notice")))
	if _, err := a.Registry.Venue("orga/A002"); err == nil {
		t.Error("orga/A002 is still there after the confirmed removal")
	}
	browsertest.Screenshot(ctx, t, shots, "venue-deleted-zh-Hans-390.png")
}
