package portal

import (
	"encoding/json"
	"net"
	"net/http"
	"net/netip"
	"net/url"
)

// captiveAPI is the RFC 8908 Captive Portal API at GET /portal/api. The
// visitor's device asks it (over HTTPS, from the URI in DHCP option 114 or
// the RA) whether it is still captive and how long it has left.
func (p *Portal) captiveAPI(w http.ResponseWriter, r *http.Request) {
	out := map[string]any{"captive": true, "user-portal-url": p.publicBase(r)}
	if f := p.cfg.TimeLeft; f != nil {
		ip, mac := p.apiClient(r)
		s, ok, err := f.TimeLeft(ip, mac)
		if err != nil {
			p.log.Error("captive API time-left lookup", "err", err)
		}
		if ok {
			out["captive"] = false
			if s.SecondsLeft >= 0 {
				out["seconds-remaining"] = s.SecondsLeft
			}
			if s.BytesLeft >= 0 {
				out["bytes-remaining"] = s.BytesLeft
			}
			out["can-extend-session"] = false
			if s.Venue != "" {
				out["venue-info-url"] = p.publicBase(r) + "/venue?v=" + url.QueryEscape(s.Venue.String())
			}
		}
	}
	h := w.Header()
	h.Set("Content-Type", "application/captive+json")
	h.Set("Cache-Control", "private")
	h.Set("X-Content-Type-Options", "nosniff")
	json.NewEncoder(w).Encode(out)
}

// apiClient is whom an API request asks about: the source address, or
// behind a gateway that NATs (where that is the gateway's), a MAC from
// the gateway: ?mac=&nasid= in the per-device API URL that CoovaChilli 1.9
// hands out by DHCP (captiveportalapi_uri …?mac=%{m}&nasid=%{n}), honoured
// only from the addresses of the NAS it names; or the address and MAC in
// the signed UAM context (?uam=, as the portal's pages carry it).
func (p *Portal) apiClient(r *http.Request) (netip.Addr, string) {
	ip := clientIP(r)
	q := r.URL.Query()
	if mac, nasid := q.Get("mac"), q.Get("nasid"); mac != "" && nasid != "" {
		n, ok := p.cfg.NAS.LookupNAS(nasid)
		m, err := parseMAC(mac)
		if ok && err == nil && n.Prefix.Contains(ip) {
			return ip, m
		}
		return ip, ""
	}
	tok := q.Get("uam")
	if tok == "" {
		return ip, ""
	}
	raw, err := p.signer.openStale(tok)
	if err != nil {
		return ip, ""
	}
	u, err := ParseQuery(raw)
	if err != nil {
		return ip, ""
	}
	if u.IP.IsValid() {
		ip = u.IP
	}
	return ip, u.MAC
}

// publicBase is the portal's landing URL as visitors reach it: the
// configured public URL or, without one, the address this connection
// reached. Never the Host header, which any client can forge.
func (p *Portal) publicBase(r *http.Request) string {
	if p.cfg.PublicURL != "" {
		return p.cfg.PublicURL + p.cfg.Base
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	host := r.Host
	if la, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		host = la.String()
	}
	return scheme + "://" + host + p.cfg.Base
}
