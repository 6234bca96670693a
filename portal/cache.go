package portal

import (
	"fmt"
	"net/url"
	"strings"
	"sync"
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
	pages map[string]string
}

const pageCacheMax = 4096

// page renders d (built with the stand-ins) once per variant and fills in
// this visitor's tokens.
func (c *pageCache) page(v *view, d *pageData) []byte {
	key := fmt.Sprintf("%s|%s|%s|%s|%d|%d|%d|%t|%t|%d", v.lang, v.nas.ID, d.Venue, v.plan.Kind,
		d.Minutes, d.PerDay, d.FreeLeft, d.FreeOffered, d.AccountsOffered, d.RememberDays)
	c.mu.RLock()
	tpl, ok := c.pages[key]
	c.mu.RUnlock()
	if !ok {
		real := *d
		d.CSRF, d.UAM, d.Back = csrfMark, uamMark, ""
		tok := v.uamTok
		v.uamTok = uamMark
		d.Langs = v.data("title").Langs
		v.uamTok = tok
		b, err := v.execute("login", d)
		if err != nil {
			return []byte("internal error")
		}
		tpl = string(b)
		*d = real
		c.mu.Lock()
		if c.pages == nil || len(c.pages) >= pageCacheMax {
			c.pages = map[string]string{}
		}
		c.pages[key] = tpl
		c.mu.Unlock()
	}
	// The mark appears raw in attributes and query-escaped in links.
	r := strings.NewReplacer(csrfMark, v.csrfToken(), uamMark, url.QueryEscape(v.uamTok))
	return []byte(r.Replace(tpl))
}
