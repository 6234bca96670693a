package portal

import (
	"net/http"
	"strings"
)

// mdHint says what a redirect with a bad md most likely means. The md
// covers the whole URL the gateway built from its uamserver setting, and
// the portal rebuilds that URL from http.public_url (else the request), so
// a public_url that differs from uamserver fails every redirect. When the
// md checks out against the URL as this request reached us, that is the
// cause; otherwise it is the UAM secret or an altered link.
func (p *Portal) mdHint(r *http.Request, fullURL, uamsecret string) string {
	if p.cfg.PublicURL != "" {
		rest := strings.TrimPrefix(fullURL, originOf(fullURL))
		for _, scheme := range []string{"https://", "http://"} {
			if seen := scheme + r.Host; VerifyMD(seen+rest, uamsecret) == nil {
				return "http.public_url (" + p.cfg.PublicURL + ") does not match the gateway's uamserver, which the md says is " +
					seen + rest[:strings.IndexByte(rest, '?')] + ": set http.public_url to the uamserver's scheme and host"
			}
		}
	}
	return "the md covers the gateway's uamserver URL and its uamsecret: check that http.public_url (or the Host the visitor used) " +
		"is the uamserver's scheme and host, and that the NAS's -uam-secret is the gateway's uamsecret"
}

// originOf is the scheme and host at the start of u.
func originOf(u string) string {
	i := strings.Index(u, "://")
	if i < 0 {
		return ""
	}
	if j := strings.IndexByte(u[i+3:], '/'); j >= 0 {
		return u[:i+3+j]
	}
	return u
}
