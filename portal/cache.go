package portal

import (
	"net/url"
	"strings"
	"sync"

	"github.com/wifihk/wifihk/hotspots"
)

// Stand-ins for the per-request tokens in a cached page. They are plain
// letters, so html/template writes them unchanged in text, attributes and
// URLs, and the tokens that replace them are base64url and '.', which are
// safe in all three.
const (
	csrfMark = "ZQcsrfMARKQZ"
	uamMark  = "ZQuamMARKQZ"
)

// pageCache keeps rendered landing pages with stand-ins for the tokens:
// the landing page is the busiest page, and it differs between visitors
// only in the tokens, the venue, the plan and the sessions left.
type pageCache struct {
	mu    sync.RWMutex
	pages map[pageKey]*cachedPage
}

// pageKey is everything a cached landing page depends on besides the
// tokens.
type pageKey struct {
	lang, nas, venue      string
	kind                  hotspots.PlanKind
	minutes, perDay, left int
	free, accounts        bool
	rememberDays          int
}

const pageCacheMax = 4096

// cachedPage is a rendered page cut at its stand-ins: text[0], a token,
// text[1], a token, …; uam[i] says whether the token after text[i] is the
// UAM token (else the CSRF token).
type cachedPage struct {
	text []string
	uam  []bool
	size int
}

func cutPage(page string) *cachedPage {
	c := &cachedPage{size: len(page)}
	for {
		i, j := strings.Index(page, csrfMark), strings.Index(page, uamMark)
		if i < 0 && j < 0 {
			c.text = append(c.text, page)
			return c
		}
		isUAM := i < 0 || (j >= 0 && j < i)
		at, n := i, len(csrfMark)
		if isUAM {
			at, n = j, len(uamMark)
		}
		c.text = append(c.text, page[:at])
		c.uam = append(c.uam, isUAM)
		page = page[at+n:]
	}
}

// fill writes the page with this visitor's tokens.
func (c *cachedPage) fill(csrf, uam string) []byte {
	out := make([]byte, 0, c.size+len(c.uam)*max(len(csrf), len(uam)))
	for i, t := range c.text {
		out = append(out, t...)
		if i < len(c.uam) {
			if c.uam[i] {
				out = append(out, uam...)
			} else {
				out = append(out, csrf...)
			}
		}
	}
	return out
}

// page renders d (built with the stand-ins) once per variant and fills in
// this visitor's tokens.
func (c *pageCache) page(v *view, d *pageData) []byte {
	key := pageKey{lang: v.lang, nas: v.nas.ID, venue: d.Venue, kind: v.plan.Kind, minutes: d.Minutes,
		perDay: d.PerDay, left: d.FreeLeft, free: d.FreeOffered, accounts: d.AccountsOffered, rememberDays: d.RememberDays}
	c.mu.RLock()
	cp, ok := c.pages[key]
	c.mu.RUnlock()
	if !ok {
		real := *d
		d.CSRF, d.UAM, d.Back = csrfMark, uamMark, ""
		tok := v.uamTok
		v.uamTok = uamMark
		d.Langs = v.langLinks()
		v.uamTok = tok
		b, err := v.execute("login", d)
		*d = real
		if err != nil {
			return []byte("internal error")
		}
		cp = cutPage(string(b))
		c.mu.Lock()
		if c.pages == nil || len(c.pages) >= pageCacheMax {
			c.pages = map[pageKey]*cachedPage{}
		}
		c.pages[key] = cp
		c.mu.Unlock()
	}
	// The mark appears raw in attributes and query-escaped in links; the
	// UAM token is base64url and '.', which escaping leaves alone.
	return cp.fill(v.csrfToken(), url.QueryEscape(v.uamTok))
}
