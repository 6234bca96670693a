package web

import "net/http"

// APIHeaders sets the headers every JSON API answer carries: no sniffing, no
// framing, nothing to load, and no caching of possibly private data unless
// the handler says otherwise.
func APIHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		SecurityHeaders(h, "default-src 'none'; frame-ancestors 'none'", "no-referrer")
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

// SecurityHeaders sets what keeps a response from being sniffed as another
// type or framed by another site, with its Content-Security-Policy and
// Referrer-Policy.
func SecurityHeaders(h http.Header, csp, referrer string) {
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", csp)
	h.Set("Referrer-Policy", referrer)
}

// PublicHeaders is APIHeaders for public open data: cacheable and readable
// from any origin.
func PublicHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
		h.Set("Access-Control-Allow-Origin", "*")
		h.Set("Cache-Control", "public, max-age=300")
		next.ServeHTTP(w, r)
	})
}
