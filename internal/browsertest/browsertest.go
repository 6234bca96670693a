// Package browsertest drives Debian's headless Chromium from Go tests with
// chromedp, and checks pages with axe-core installed from npm. A test that
// lacks Chromium, node or axe-core skips with a message, unless
// WIFIHK_INTEROP=1, when it fails.
package browsertest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// Interop reports whether the outside peers must be present (CI).
func Interop() bool { return os.Getenv("WIFIHK_INTEROP") == "1" }

// Need skips the test with a message when ok is false, or fails it under
// WIFIHK_INTEROP=1.
func Need(t testing.TB, what string, ok bool) {
	t.Helper()
	if ok {
		return
	}
	if Interop() {
		t.Fatalf("%s is missing and WIFIHK_INTEROP=1", what)
	}
	t.Skipf("%s is missing; skipping (set WIFIHK_INTEROP=1 to make this fail)", what)
}

// Options shape the browser window.
type Options struct {
	Width, Height int // default 1280 × 900
}

// Start launches Chromium with a fresh profile and returns a tab's context,
// which ends with the test. Pages' CSP is bypassed so that axe-core can be
// injected.
func Start(t testing.TB, opt Options) context.Context {
	t.Helper()
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		chromium, err = exec.LookPath("/usr/bin/chromium")
	}
	Need(t, "chromium", err == nil)
	if opt.Width == 0 {
		opt.Width, opt.Height = 1280, 900
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromium), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true), chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.UserDataDir(filepath.Join(t.TempDir(), "profile")),
		chromedp.WindowSize(opt.Width, opt.Height))
	t.Cleanup(cancelAlloc)
	browser, cancel := chromedp.NewContext(alloc)
	t.Cleanup(cancel)
	if err := chromedp.Do(browser, Call(page.SetBypassCSP, page.SetBypassCSPParams{Enabled: true})); err != nil {
		t.Fatalf("browsertest: start chromium: %v", err)
	}
	return browser
}

// Call sends one DevTools command.
func Call[P any](c cdp.Command[P, cdp.Empty], params P) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, c, params)
		return err
	})
}

// Screenshot saves the whole page as dir/name (PNG).
func Screenshot(ctx context.Context, t testing.TB, dir, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // quality 100 makes a PNG
	if err != nil {
		t.Fatalf("browsertest: screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// ShotDir is where a test's screenshots go: the test's output dir
// (testing's ArtifactDir: kept under -outputdir with go test -artifacts,
// removed after the test without it), or $WIFIHK_SCREENSHOTS when set, to
// gather every test's screenshots in one place.
func ShotDir(t testing.TB) string {
	if d := os.Getenv("WIFIHK_SCREENSHOTS"); d != "" {
		os.MkdirAll(d, 0o755)
		return d
	}
	return t.ArtifactDir()
}

// AxeVersion is the axe-core release installed from npm (the portal's
// browser test uses the same one and the same cache).
const AxeVersion = "4.10.3"

var axeOnce struct {
	sync.Mutex
	src string
}

// AxeScript returns axe.min.js: $WIFIHK_AXE_JS, or an npm install of
// axe-core into $WIFIHK_AXE_DIR (default: the user's cache dir), done once.
func AxeScript(t testing.TB) string {
	t.Helper()
	axeOnce.Lock()
	defer axeOnce.Unlock()
	if axeOnce.src != "" {
		return axeOnce.src
	}
	path := os.Getenv("WIFIHK_AXE_JS")
	if path == "" {
		dir := os.Getenv("WIFIHK_AXE_DIR")
		if dir == "" {
			cache, _ := os.UserCacheDir()
			dir = filepath.Join(cache, "wifihk-axe")
		}
		path = filepath.Join(dir, "node_modules", "axe-core", "axe.min.js")
		if _, err := os.Stat(path); err != nil {
			npm, errNPM := exec.LookPath("npm")
			Need(t, "npm (for axe-core)", errNPM == nil)
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			out, err := exec.CommandContext(ctx, npm, "install", "--prefix", dir, "--no-audit", "--no-fund", "axe-core@"+AxeVersion).CombinedOutput()
			if err != nil {
				Need(t, "axe-core from npm ("+strings.TrimSpace(string(out))+")", false)
			}
		}
	}
	src, err := os.ReadFile(path)
	Need(t, "axe.min.js at "+path, err == nil)
	axeOnce.src = string(src)
	return axeOnce.src
}

// Violation is one axe-core rule a page breaks.
type Violation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target []any `json:"target"`
	} `json:"nodes"`
}

func (v Violation) String() string {
	var where []string
	for i, n := range v.Nodes {
		if i == 5 {
			where = append(where, fmt.Sprintf("… %d more", len(v.Nodes)-5))
			break
		}
		where = append(where, fmt.Sprint(n.Target...))
	}
	return fmt.Sprintf("%s (%s): %s at %s", v.ID, v.Impact, v.Help, strings.Join(where, ", "))
}

// Axe runs axe-core's WCAG 2.1 A and AA rules on the current page and
// returns every violation.
func Axe(ctx context.Context, axe string) ([]Violation, error) {
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](axe)); err != nil {
		return nil, fmt.Errorf("browsertest: inject axe: %w", err)
	}
	res, err := chromedp.Run(ctx, chromedp.Evaluate[struct {
		Violations []Violation `json:"violations"`
	}](`axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a','wcag2aa','wcag21a','wcag21aa']}})`, chromedp.EvalAwaitPromise))
	if err != nil {
		return nil, fmt.Errorf("browsertest: axe: %w", err)
	}
	return res.Violations, nil
}

// NoSeriousViolations fails the test for each serious or critical axe-core
// violation on the current page, and logs the minor ones.
func NoSeriousViolations(ctx context.Context, t testing.TB, axe, where string) {
	t.Helper()
	vs, err := Axe(ctx, axe)
	if err != nil {
		t.Fatalf("%s: %v", where, err)
	}
	for _, v := range vs {
		if v.Impact == "serious" || v.Impact == "critical" {
			t.Errorf("axe on %s: %s", where, v)
		} else {
			t.Logf("axe on %s (minor): %s", where, v)
		}
	}
}

// Downloads lets Chromium save what a click downloads into a temp dir, as
// a person's browser would, and hands each file to the test.
type Downloads struct {
	ctx   context.Context
	dir   string
	begin chan *browser.EventDownloadWillBegin
	done  chan *browser.EventDownloadProgress
}

// AllowDownloads turns downloads on for the tab of ctx.
func AllowDownloads(t testing.TB, ctx context.Context) *Downloads {
	t.Helper()
	d := &Downloads{ctx: ctx, dir: t.TempDir(),
		begin: make(chan *browser.EventDownloadWillBegin, 8), done: make(chan *browser.EventDownloadProgress, 8)}
	err := chromedp.Listen(ctx, func(ev any) { // fast, never blocking: see chromedp.Listen
		switch ev := ev.(type) {
		case *browser.EventDownloadWillBegin:
			select {
			case d.begin <- ev:
			default:
			}
		case *browser.EventDownloadProgress:
			if ev.State != browser.DownloadProgressStateInProgress {
				select {
				case d.done <- ev:
				default:
				}
			}
		}
	})
	if err != nil {
		t.Fatalf("browsertest: listen for downloads: %v", err)
	}
	on := true
	err = chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
			Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: d.dir, EventsEnabled: &on})
		return err
	}))
	if err != nil {
		t.Fatalf("browsertest: allow downloads: %v", err)
	}
	return d
}

// Click clicks the element sel, waits for the download it starts to
// finish, and returns the file's suggested name and its bytes.
func (d *Downloads) Click(t testing.TB, sel string) (name string, data []byte) {
	t.Helper()
	if err := chromedp.Do(d.ctx, chromedp.Click(chromedp.CSS(sel))); err != nil {
		t.Fatalf("browsertest: click %s: %v", sel, err)
	}
	var began *browser.EventDownloadWillBegin
	select {
	case began = <-d.begin:
	case <-time.After(20 * time.Second):
		t.Fatalf("browsertest: %s started no download", sel)
	}
	select {
	case ev := <-d.done:
		if ev.GUID != began.GUID || ev.State != browser.DownloadProgressStateCompleted {
			t.Fatalf("browsertest: download of %s: %s", began.SuggestedFilename, ev.State)
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("browsertest: the download of %s did not finish", began.SuggestedFilename)
	}
	data, err := os.ReadFile(filepath.Join(d.dir, began.GUID)) // allowAndName: saved under its GUID
	if err != nil {
		t.Fatalf("browsertest: %v", err)
	}
	return began.SuggestedFilename, data
}

// Do runs steps in the tab and fails the test naming what it was doing.
func Do(t testing.TB, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// Text is the visible text of the element sel, trimmed.
func Text(t testing.TB, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}
