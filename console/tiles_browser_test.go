package console_test

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/wifihk/wifihk/controller/config"
	"github.com/wifihk/wifihk/internal/browsertest"
)

// tileServer is a slippy-map tile server on loopback that records what
// browsers ask it for.
type tileServer struct {
	*httptest.Server
	mu       sync.Mutex
	paths    map[string]bool
	referers []string
}

func newTileServer(t *testing.T) *tileServer {
	img := image.NewRGBA(image.Rect(0, 0, 256, 256))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	img.Set(128, 128, color.RGBA{A: 0xff})
	var tile bytes.Buffer
	png.Encode(&tile, img)
	ts := &tileServer{paths: map[string]bool{}}
	ts.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ts.mu.Lock()
		ts.paths[r.URL.Path] = true
		if ref := r.Header.Get("Referer"); ref != "" {
			ts.referers = append(ts.referers, ref)
		}
		ts.mu.Unlock()
		w.Header().Set("Content-Type", "image/png")
		w.Write(tile.Bytes())
	}))
	t.Cleanup(ts.Close)
	return ts
}

// tiles counts the tiles asked for at zoom z ("11/").
func (ts *tileServer) tiles(z string) (n int, referers []string) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	for p := range ts.paths {
		if strings.HasPrefix(p, "/"+z) {
			n++
		}
	}
	return n, append([]string(nil), ts.referers...)
}

// TestBrowserMapTiles: with a tile server configured, the browser loads
// its tiles under the coverage map and the venue picker (the console's
// Content-Security-Policy lets it; no Referer is sent), and the map
// credits them.
func TestBrowserMapTiles(t *testing.T) {
	ts := newTileServer(t)
	origin := strings.Replace(ts.URL, "127.0.0.1", "localhost", 1) // another host than the console's: another origin
	a := startApp(t, appOpts{configure: func(c *config.Config) {
		c.Coverage.MapTiles = origin + "/{z}/{x}/{y}.png"
		c.Coverage.MapAttribution = "© Test Tiles"
	}})
	// The browser tests bypass the page's CSP (to run axe), so it is
	// read here: images may come from the tile server, and only from it.
	r, err := http.Get(a.URL + "/console/login")
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if csp := r.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "img-src 'self' data: "+origin+";") {
		t.Errorf("CSP %q does not let the tiles in", csp)
	}
	ctx := slowBrowser(t, 1440, 900)
	shots := browsertest.ShotDir(t)
	signInBrowser(t, ctx, a.URL, "op-a")
	do(t, ctx, "coverage", chromedp.Navigate(a.URL+"/console/coverage"), chromedp.WaitVisible(chromedp.CSS("svg.map.tiled")))
	waitTiles(t, ts, "11/", 15)
	if got := eval[string](t, ctx, `document.querySelector('svg.map .attribution').textContent`); got != "© Test Tiles" {
		t.Errorf("attribution %q", got)
	}
	browsertest.Screenshot(ctx, t, shots, "coverage-tiles-1440.png")
	do(t, ctx, "venue form", chromedp.Navigate(a.URL+"/console/venues/new"), chromedp.WaitVisible(chromedp.CSS("svg.picker.tiled")))
	// The picker shows the whole territory too: the same tiles, cached
	// or asked again; a district close-up asks for closer ones.
	do(t, ctx, "close-up", chromedp.Navigate(a.URL+"/console/coverage?district=Sai+Kung"), chromedp.WaitVisible(chromedp.CSS("svg.map.tiled")))
	waitTiles(t, ts, "15/", 1) // a district with no venues: 4 km across
	if _, refs := ts.tiles(""); len(refs) > 0 {
		t.Errorf("tile requests carried a Referer: %q", refs[0])
	}
}

func waitTiles(t *testing.T, ts *tileServer, z string, want int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		n, _ := ts.tiles(z)
		if n >= want {
			return
		}
		if time.Now().After(deadline) {
			ts.mu.Lock()
			t.Fatalf("the browser asked for %d tiles at zoom %s, want %d (asked: %v)", n, z, want, ts.paths)
		}
		time.Sleep(50 * time.Millisecond) // polling the server's record
	}
}
