package portal

import (
	"bytes"
	"errors"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/internal/i18n"
	"github.com/wifihk/wifihk/internal/web"
)

// view is one request's page state: language, tokens and, once known,
// the gateway's redirect and the NAS it came from.
type view struct {
	p       *Portal
	w       http.ResponseWriter
	r       *http.Request
	q       url.Values // r's query, parsed once
	lang    string
	csrf    string
	uamTok  string
	uam     Params
	hasUAM  bool
	nas     hotspots.NAS
	plan    hotspots.Plan
	uamsec  string
	gateway string // http://uamip:uamport, allowed as a form target by the CSP
}

func (p *Portal) newView(w http.ResponseWriter, r *http.Request) *view {
	q := r.URL.Query()
	v := &view{p: p, w: w, r: r, q: q, lang: i18n.Pick(r, q.Get("lang"))}
	if i18n.Known(q.Get("lang")) != "" {
		http.SetCookie(w, &http.Cookie{Name: i18n.Cookie, Value: v.lang, Path: p.cfg.Base, MaxAge: 365 * 86400,
			HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil})
	}
	return v
}

// page wraps a GET handler.
func (p *Portal) page(h func(http.ResponseWriter, *http.Request, *view)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h(w, r, p.newView(w, r))
	})
}

// form wraps a POST handler: body limit, CSRF, per-IP rate limit, and the
// signed UAM context.
func (p *Portal) form(h func(http.ResponseWriter, *http.Request, *view)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
		v := p.newView(w, r)
		if err := r.ParseForm(); err != nil {
			v.message(http.StatusBadRequest, "err_expired_form", "err_expired_form")
			return
		}
		if l := i18n.Known(r.PostFormValue("lang")); l != "" {
			v.lang = l
		}
		if err := p.csrf.Check(r); err != nil {
			v.message(http.StatusForbidden, "err_expired_form", "err_expired_form")
			return
		}
		if !p.perIP.Allow(web.AddrKey(clientIP(r))) {
			v.slowDown()
			return
		}
		if !v.loadToken(r.PostFormValue("uam")) {
			return
		}
		if !p.perMAC.Allow(v.uam.MAC) {
			v.slowDown()
			return
		}
		h(w, r, v)
	})
}

// loadToken restores the UAM context from a signed token; on failure it
// has answered.
func (v *view) loadToken(tok string) bool {
	raw, err := v.p.signer.open(tok)
	if err != nil {
		v.message(http.StatusBadRequest, "err_expired_form", "err_expired_form")
		return false
	}
	return v.loadUAM(raw, "", false)
}

// loadUAM parses a UAM query, finds its NAS and, for a query straight
// from the gateway (fullURL set), checks md. On failure it has answered.
func (v *view) loadUAM(raw, fullURL string, checkMD bool) bool {
	u, err := ParseQuery(raw)
	if err == nil && fullURL != "" && u.HID != "" {
		err = errors.New("hid: only openNDS's encrypted query gives one") // not a UAM redirect
	}
	if err != nil {
		v.p.log.Info("bad UAM redirect", "err", err, "ip", clientIP(v.r))
		v.message(http.StatusBadRequest, "err_gateway", "err_gateway")
		return false
	}
	nas, ok := v.p.findNAS(u)
	if !ok {
		v.p.log.Info("UAM redirect from an unknown NAS", "nasid", u.NASID, "called", u.Called)
		v.message(http.StatusBadRequest, "err_unknown_nas", "err_unknown_nas")
		return false
	}
	sec, err := v.p.cfg.NAS.UAMSecret(nas)
	if err != nil {
		v.p.log.Error("UAM secret", "nas", nas.Name, "err", err)
		v.message(http.StatusInternalServerError, "err_internal", "err_internal")
		return false
	}
	if checkMD && sec != "" {
		if err := VerifyMD(fullURL, sec); err != nil {
			v.p.log.Warn("UAM redirect with a bad md", "nas", nas.Name, "mac", MaskMAC(u.MAC), "hint", v.p.mdHint(v.r, fullURL, sec))
			v.message(http.StatusForbidden, "err_gateway", "err_gateway")
			return false
		}
	}
	v.uam, v.hasUAM, v.nas, v.uamsec = u, true, nas, sec
	v.plan = v.p.cfg.NAS.PlanForNAS(nas, v.p.cfg.DefaultPlan)
	v.uamTok = v.p.signer.sign(raw)
	v.gateway = "http://" + netip.AddrPortFrom(u.UAMIP, u.UAMPort).String()
	return true
}

// requestURL is the URL the gateway redirected to, as it built it: the
// portal's public URL (or this request's scheme and host) and the raw
// path and query.
func (p *Portal) requestURL(r *http.Request) string {
	base := p.cfg.PublicURL
	if base == "" {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		base = scheme + "://" + r.Host
	} else if u, err := url.Parse(base); err == nil {
		base = u.Scheme + "://" + u.Host
	}
	return base + r.URL.EscapedPath() + "?" + r.URL.RawQuery
}

// clientIP is the visitor's address as this connection sees it.
func clientIP(r *http.Request) netip.Addr {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr().Unmap()
}

// pageData is what every template gets.
type pageData struct {
	v               *view
	Title           string
	HTMLLang        string
	Base            string
	Lang            string
	LangQuery       string
	Langs           []langLink
	Error, Notice   string
	CSRF, UAM       string
	Venue           string
	FreeOffered     bool
	NoFreeLeft      bool
	PerDay          int
	FreeLeft        int
	Minutes         int
	RememberDays    int
	AccountsOffered bool
	Contact, Masked string
	Reset           bool
	Back            string
	Heading, Body   string
	Online          bool
	SecondsLeft     int64  // for the status page's countdown; -1: no time limit
	MoreOpen        bool   // the login page's other ways to connect start open
	VenueURL        string // the venue's page (address, help), from the status page
	TimeLeft        string
	DataLeft        string
	UserURL         string
	UserHost        string
	LogoffURL       string
	Secure          *SecureNetwork // the onboarding page (secure.go)
	Outer           string
}

type langLink struct {
	Href, HTML, Name string
	Current          bool
}

// T translates a message into the page's language.
func (d *pageData) T(key string, args ...any) string { return tr(d.v.lang, key, args...) }

func (v *view) data(titleKey string) *pageData {
	d := &pageData{v: v, Title: tr(v.lang, titleKey), Base: v.p.cfg.Base, Lang: v.lang, UAM: v.uamTok,
		LangQuery: "?lang=" + v.lang}
	for _, l := range i18n.Languages {
		if l.Code == v.lang {
			d.HTMLLang = l.HTML
		}
	}
	if v.hasUAM {
		d.CSRF = v.csrfToken()
		d.Back = v.p.cfg.Base + "?uam=" + url.QueryEscape(v.uamTok) + "&lang=" + v.lang
	}
	return d
}

// langLinks is the language switch. execute fills it in when a page is
// rendered, so a landing page served from the cache never builds it.
func (v *view) langLinks() []langLink {
	out := make([]langLink, 0, len(i18n.Languages))
	for _, l := range i18n.Languages {
		out = append(out, langLink{Href: v.switchHref(l.Code), HTML: l.HTML, Name: l.Name, Current: l.Code == v.lang})
	}
	return out
}

func (v *view) csrfToken() string {
	if v.csrf == "" {
		v.csrf = v.p.csrf.Token(v.w, v.r)
	}
	return v.csrf
}

// switchHref is this page in another language; after a POST it is the
// landing page, with the UAM context kept.
func (v *view) switchHref(code string) string {
	path := v.r.URL.Path
	q := url.Values{}
	if v.r.Method == http.MethodGet {
		for k, vs := range v.q {
			q[k] = vs
		}
	} else {
		path = v.p.cfg.Base
	}
	if v.uamTok != "" {
		q = url.Values{"uam": {v.uamTok}}
	}
	q.Set("lang", code)
	return path + "?" + q.Encode()
}

// render writes a page with the security headers.
func (v *view) render(status int, page string, d *pageData) {
	b, err := v.execute(page, d)
	if err != nil {
		http.Error(v.w, "internal error", http.StatusInternalServerError)
		return
	}
	v.write(status, b)
}

func (v *view) execute(page string, d *pageData) ([]byte, error) {
	if d.Langs == nil {
		d.Langs = v.langLinks()
	}
	var buf bytes.Buffer
	if err := v.p.pages[v.lang][page].ExecuteTemplate(&buf, "layout", d); err != nil {
		v.p.log.Error("render", "page", page, "err", err)
		return nil, err
	}
	return buf.Bytes(), nil
}

func (v *view) write(status int, b []byte) {
	pageHeaders(v.w.Header(), v.gateway)
	v.w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	v.w.WriteHeader(status)
	v.w.Write(b)
}

// pageHeaders: no caching (pages carry tokens), no framing, nothing
// loaded from outside, no script at all, and forms that may only go to
// the portal itself and to this visitor's gateway.
func pageHeaders(h http.Header, gateway string) {
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	formAction := "'self'"
	if gateway != "" {
		formAction += " " + gateway
	}
	web.SecurityHeaders(h, "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action "+formAction+"; base-uri 'none'; frame-ancestors 'none'",
		"no-referrer")
}

// message renders a one-paragraph page.
func (v *view) message(status int, headingKey, bodyKey string, args ...any) {
	d := v.data(headingKey)
	d.Heading, d.Body = tr(v.lang, headingKey), tr(v.lang, bodyKey, args...)
	if headingKey == bodyKey {
		d.Heading = "WiFi@HK"
	}
	v.render(status, "message", d)
}

func (v *view) slowDown() { v.slowDownFor(time.Minute) }

// slowDownFor is slowDown with Retry-After d.
func (v *view) slowDownFor(d time.Duration) {
	web.RetryAfter(v.w, d)
	v.message(http.StatusTooManyRequests, "err_slow_down", "err_slow_down")
}

// redirect sends the browser on: to the gateway's /logon (an IP literal
// and port checked on arrival) or within the portal.
func (v *view) redirect(to string) {
	if !strings.HasPrefix(to, v.gateway+"/") && !strings.HasPrefix(to, v.p.cfg.Base) {
		v.p.log.Error("refusing an unchecked redirect")
		v.message(http.StatusInternalServerError, "err_internal", "err_internal")
		return
	}
	pageHeaders(v.w.Header(), v.gateway)
	v.w.Header().Del("Content-Type")
	http.Redirect(v.w, v.r, to, http.StatusFound)
}
