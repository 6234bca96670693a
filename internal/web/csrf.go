package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"hash"
	"net/http"
	"net/url"
	"strings"
	"sync"
)

// CSRFField is the form field that carries the token.
const CSRFField = "csrf"

// ErrCSRF means a form came without a valid token, or from another site.
var ErrCSRF = errors.New("web: missing or invalid CSRF token")

// CSRF issues and checks signed double-submit tokens (OWASP): a random
// cookie, and in each form an HMAC of it under a server key, so a page on
// another site can neither read nor forge the pair. It also refuses POSTs
// whose Origin or Sec-Fetch-Site says they came from another site.
type CSRF struct {
	key    []byte
	cookie string
	secure bool
	macs   sync.Pool // of keyed HMAC-SHA256 states, saving the key schedule per token
}

// NewCSRF returns a CSRF guard. key must be at least 32 bytes (nil: a fresh
// random key, so tokens die with the process); cookie names the cookie;
// secure marks it HTTPS-only.
func NewCSRF(key []byte, cookie string, secure bool) (*CSRF, error) {
	if key == nil {
		key = make([]byte, 32)
		rand.Read(key)
	}
	if len(key) < 32 {
		return nil, errors.New("web: CSRF key shorter than 32 bytes")
	}
	if cookie == "" {
		return nil, errors.New("web: CSRF cookie name required")
	}
	c := &CSRF{key: key, cookie: cookie, secure: secure}
	c.macs.New = func() any { return hmac.New(sha256.New, c.key) }
	return c, nil
}

// Token returns the token for forms on this response, setting the cookie
// when the request has none.
func (c *CSRF) Token(w http.ResponseWriter, r *http.Request) string {
	id := c.cookieValue(r)
	if id == "" {
		b := make([]byte, 18)
		rand.Read(b)
		id = base64.RawURLEncoding.EncodeToString(b)
		http.SetCookie(w, &http.Cookie{Name: c.cookie, Value: id, Path: "/", HttpOnly: true,
			Secure: c.secure || r.TLS != nil, SameSite: http.SameSiteLaxMode})
	}
	return c.sign(id)
}

func (c *CSRF) cookieValue(r *http.Request) string {
	ck, err := r.Cookie(c.cookie)
	if err != nil || len(ck.Value) != 24 {
		return ""
	}
	return ck.Value
}

func (c *CSRF) sign(id string) string {
	m := c.macs.Get().(hash.Hash)
	m.Reset()
	m.Write([]byte(id))
	var sum [sha256.Size]byte
	s := base64.RawURLEncoding.EncodeToString(m.Sum(sum[:0]))
	c.macs.Put(m)
	return s
}

// Check verifies an unsafe request's token (form field, or the X-CSRF-Token
// header) against its cookie and its origin. Call it after ParseForm.
func (c *CSRF) Check(r *http.Request) error {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return nil
	}
	if crossSite(r) {
		return ErrCSRF
	}
	id := c.cookieValue(r)
	tok := r.PostFormValue(CSRFField)
	if tok == "" {
		tok = r.Header.Get("X-CSRF-Token")
	}
	if id == "" || tok == "" || !hmac.Equal([]byte(tok), []byte(c.sign(id))) {
		return ErrCSRF
	}
	return nil
}

// crossSite reports a browser's own word that the request came from
// another site.
func crossSite(r *http.Request) bool {
	if s := r.Header.Get("Sec-Fetch-Site"); s == "cross-site" {
		return true
	}
	o := r.Header.Get("Origin")
	if o == "" || o == "null" {
		return false
	}
	u, err := url.Parse(o)
	return err != nil || !strings.EqualFold(u.Host, r.Host)
}

// Protect rejects unsafe requests that fail Check with 403.
func (c *CSRF) Protect(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := c.Check(r); err != nil {
			http.Error(w, "This form has expired or came from another site. Go back, reload the page and try again.", http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}
