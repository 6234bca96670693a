// Package gateway is a CoovaChilli stand-in for tests and load runs: an
// HTTP gateway that redirects visitors to the portal the way chilli's
// redir.c does (challenge, md) and, on /logon, sends the Access-Request to
// a RADIUS server the way chilli does (CHAP-Challenge = MD5(challenge ‖
// uamsecret), CHAP-Password = 0x00 ‖ response; or the PAP password
// un-XORed), with a Message-Authenticator.
package gateway

import (
	"cmp"
	"context"
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"layeh.com/radius"
	"layeh.com/radius/rfc2865"
	"layeh.com/radius/rfc2866"
	"layeh.com/radius/rfc2869"

	"github.com/wifihk/wifihk/portal"
)

// Config describes the gateway.
type Config struct {
	PortalURL  string // the uamserver, e.g. http://127.0.0.1:8080/portal
	RADIUSAddr string // host:port of the RADIUS authentication server
	Secret     string // RADIUS shared secret
	NASID      string // NAS-Identifier, sent as nasid=
	Called     string // Called-Station-Id, sent as called=
	UAMSecret  string // "" for none
	// AcctAddr, when set, gets an Accounting-Request Start after each
	// accepted logon, as chilli sends.
	AcctAddr string
	// SourceIP is the address Access-Requests come from (the NAS's
	// registered address). Default 127.0.0.1.
	SourceIP net.IP
	// WISPrLogin is chilli's wisprlogin: the base of the WISPr LoginURL
	// its redirects advertise. Default PortalURL.
	WISPrLogin string
}

// Result is the outcome of one /logon.
type Result struct {
	Username string
	Accepted bool
	Reply    *radius.Packet
	Err      error
}

// Gateway is a running test gateway.
type Gateway struct {
	cfg      Config
	URL      string // http://127.0.0.1:port
	addr     netip.AddrPort
	ln       net.Listener
	srv      *http.Server
	radius   *radClient
	mu       sync.Mutex
	clients  map[netip.Addr]*client
	results  chan Result
	Accepted atomic.Int64
	Rejected atomic.Int64
}

type client struct {
	mac       string
	challenge []byte
	userurl   string
	online    bool
}

// Start listens on 127.0.0.1:0.
func Start(cfg Config) (*Gateway, error) {
	if cfg.SourceIP == nil {
		cfg.SourceIP = net.IPv4(127, 0, 0, 1)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("gateway: %w", err)
	}
	rc, err := newRADClient(cfg.SourceIP, cfg.Secret)
	if err != nil {
		ln.Close()
		return nil, err
	}
	g := &Gateway{cfg: cfg, ln: ln, addr: netip.MustParseAddrPort(ln.Addr().String()),
		clients: map[netip.Addr]*client{}, results: make(chan Result, 1024), radius: rc}
	g.URL = "http://" + g.addr.String()
	mux := http.NewServeMux()
	mux.HandleFunc("/logon", g.logon)
	mux.HandleFunc("/logoff", g.logoff)
	mux.HandleFunc("/", g.prelogin)
	g.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go g.srv.Serve(ln)
	return g, nil
}

// Close stops the gateway.
func (g *Gateway) Close() error {
	g.radius.close()
	return g.srv.Close()
}

// Results delivers the outcome of each /logon (buffered; drop when full).
func (g *Gateway) Results() <-chan Result { return g.results }

// Attach says which MAC the device at ip has, as DHCP would.
func (g *Gateway) Attach(ip netip.Addr, mac string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.clients[ip] = &client{mac: mac}
}

// RedirectURL is where chilli sends a device at ip that is not online yet:
// the portal with res=notyet, a fresh challenge and md.
func (g *Gateway) RedirectURL(ip netip.Addr, userurl string) (string, error) {
	g.mu.Lock()
	c, ok := g.clients[ip]
	if !ok {
		g.mu.Unlock()
		return "", fmt.Errorf("gateway: no device attached at %s", ip)
	}
	c.challenge = make([]byte, 16)
	rand.Read(c.challenge)
	c.userurl = userurl
	q := g.query("notyet", ip, c)
	g.mu.Unlock()
	return g.sign(q), nil
}

// query builds the redirect query in redir.c's order.
func (g *Gateway) query(res string, ip netip.Addr, c *client) string {
	var b strings.Builder
	add := func(k, v string) {
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(k + "=" + url.QueryEscape(v))
	}
	add("res", res)
	add("uamip", g.addr.Addr().String())
	add("uamport", fmt.Sprint(g.addr.Port()))
	if res == "notyet" || res == "failed" {
		add("challenge", hex.EncodeToString(c.challenge))
	}
	if g.cfg.Called != "" {
		add("called", g.cfg.Called)
	}
	add("mac", strings.ToUpper(strings.ReplaceAll(c.mac, ":", "-")))
	add("ip", ip.String())
	add("nasid", g.cfg.NASID)
	add("sessionid", "5f1e0a"+hex.EncodeToString(c.challenge[:2]))
	if c.userurl != "" {
		add("userurl", c.userurl)
	}
	return b.String()
}

// sign appends md as redir.c does: over the whole URL, then the secret.
func (g *Gateway) sign(q string) string {
	u := g.cfg.PortalURL + "?" + q
	if g.cfg.UAMSecret == "" {
		return u
	}
	return u + "&md=" + portal.MD(u, g.cfg.UAMSecret)
}

func remoteIP(r *http.Request) netip.Addr {
	ap, _ := netip.ParseAddrPort(r.RemoteAddr)
	return ap.Addr().Unmap()
}

// prelogin is any page a captive device asks for: off to the portal,
// with the WISPr gateway information in the body for smart clients.
func (g *Gateway) prelogin(w http.ResponseWriter, r *http.Request) {
	ip := remoteIP(r)
	userurl := r.URL.Query().Get("userurl")
	to, err := g.RedirectURL(ip, userurl)
	if err != nil {
		http.Error(w, err.Error(), http.StatusForbidden)
		return
	}
	g.mu.Lock()
	chal := hex.EncodeToString(g.clients[ip].challenge)
	g.mu.Unlock()
	base := cmp.Or(g.cfg.WISPrLogin, g.cfg.PortalURL)
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	login := fmt.Sprintf("%s%sres=wispr&uamip=%s&uamport=%d&challenge=%s", base, sep, g.addr.Addr(), g.addr.Port(), chal)
	g.redirect(w, to, portal.WISPrParam{Redirect: &portal.WISPrMessage{MessageType: portal.WISPrRedirect,
		ResponseCode: portal.WISPrNoError, AccessProcedure: "1.0", LoginURL: login, AbortLoginURL: g.URL + "/abort"}})
}

// redirect answers 302 to with the WISPr document in the body, as chilli does.
func (g *Gateway) redirect(w http.ResponseWriter, to string, m portal.WISPrParam) {
	w.Header().Set("Location", to)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusFound)
	w.Write(m.Page())
}

// pollReply is chilli's WISPr answer to a /logon.
func (g *Gateway) pollReply(accepted bool) portal.WISPrParam {
	m := &portal.WISPrMessage{MessageType: portal.WISPrAuthPollReply, ResponseCode: portal.WISPrLoginFailed,
		ReplyMessage: "Invalid Username/Password"}
	if accepted {
		m.ResponseCode, m.ReplyMessage, m.LogoffURL = portal.WISPrLoginSucceeded, "", g.URL+"/logoff"
	}
	return portal.WISPrParam{AuthenticationPollReply: m}
}

// logon is chilli's /logon: turn the portal's answer into an Access-Request.
func (g *Gateway) logon(w http.ResponseWriter, r *http.Request) {
	ip := remoteIP(r)
	g.mu.Lock()
	c, ok := g.clients[ip]
	var chal []byte
	if ok {
		chal = c.challenge
	}
	g.mu.Unlock()
	if !ok || chal == nil {
		http.Error(w, "gateway: no pending login from "+ip.String(), http.StatusBadRequest)
		return
	}
	q := r.URL.Query()
	res := Result{Username: q.Get("username")}
	reply, err := g.accessRequest(r.Context(), ip, c.mac, chal, q)
	res.Reply, res.Err = reply, err
	res.Accepted = err == nil && reply.Code == radius.CodeAccessAccept
	if res.Accepted && g.cfg.AcctAddr != "" {
		if err := g.accountingStart(r.Context(), ip, c.mac, res.Username); err != nil {
			res.Err = err
		}
	}
	select {
	case g.results <- res:
	default:
	}
	g.mu.Lock()
	if res.Accepted {
		g.Accepted.Add(1)
		c.online = true
		c.userurl = q.Get("userurl")
		to := g.sign(g.query("success", ip, c))
		g.mu.Unlock()
		g.redirect(w, to, g.pollReply(true))
		return
	}
	g.Rejected.Add(1)
	rand.Read(c.challenge) // chilli issues a new challenge after a failure
	to := g.sign(g.query("failed", ip, c))
	g.mu.Unlock()
	g.redirect(w, to, g.pollReply(false))
}

func (g *Gateway) logoff(w http.ResponseWriter, r *http.Request) {
	ip := remoteIP(r)
	g.mu.Lock()
	c, ok := g.clients[ip]
	if !ok {
		g.mu.Unlock()
		http.Error(w, "unknown device", http.StatusBadRequest)
		return
	}
	c.online = false
	c.challenge = make([]byte, 16)
	rand.Read(c.challenge)
	to := g.sign(g.query("logoff", ip, c))
	g.mu.Unlock()
	http.Redirect(w, r, to, http.StatusFound)
}

// accessRequest builds and sends the Access-Request chilli would send.
func (g *Gateway) accessRequest(ctx context.Context, ip netip.Addr, mac string, chal []byte, q url.Values) (*radius.Packet, error) {
	p := radius.New(radius.CodeAccessRequest, []byte(g.cfg.Secret))
	rfc2865.UserName_SetString(p, q.Get("username"))
	newchal := portal.NewChallenge(chal, g.cfg.UAMSecret)
	switch {
	case q.Get("response") != "":
		resp, err := hex.DecodeString(q.Get("response"))
		if err != nil || len(resp) != 16 {
			return nil, errors.New("gateway: response is not 32 hex digits")
		}
		rfc2865.CHAPPassword_Set(p, append([]byte{0}, resp...))
		rfc2865.CHAPChallenge_Set(p, newchal)
	case q.Get("password") != "":
		enc, err := hex.DecodeString(q.Get("password"))
		if err != nil {
			return nil, errors.New("gateway: password is not hex")
		}
		for i := range enc {
			enc[i] ^= newchal[i%len(newchal)]
		}
		rfc2865.UserPassword_Set(p, enc)
	default:
		return nil, errors.New("gateway: neither response nor password")
	}
	rfc2865.NASIdentifier_SetString(p, g.cfg.NASID)
	rfc2865.NASIPAddress_Set(p, g.cfg.SourceIP)
	rfc2865.NASPortType_Set(p, 19) // Wireless-802.11
	rfc2865.ServiceType_Set(p, rfc2865.ServiceType_Value_LoginUser)
	rfc2865.CalledStationID_SetString(p, g.cfg.Called)
	rfc2865.CallingStationID_SetString(p, strings.ToUpper(strings.ReplaceAll(mac, ":", "-")))
	rfc2865.FramedIPAddress_Set(p, net.IP(ip.AsSlice()))
	if err := addMessageAuthenticator(p); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	return g.radius.exchange(ctx, p, g.cfg.RADIUSAddr)
}

// accountingStart reports the new session, with its address and MAC.
func (g *Gateway) accountingStart(ctx context.Context, ip netip.Addr, mac, username string) error {
	p := radius.New(radius.CodeAccountingRequest, []byte(g.cfg.Secret))
	rfc2866.AcctStatusType_Set(p, rfc2866.AcctStatusType_Value_Start)
	sid := make([]byte, 8)
	rand.Read(sid)
	rfc2866.AcctSessionID_SetString(p, hex.EncodeToString(sid))
	rfc2865.UserName_SetString(p, username)
	rfc2865.NASIdentifier_SetString(p, g.cfg.NASID)
	rfc2865.NASIPAddress_Set(p, g.cfg.SourceIP)
	rfc2865.CallingStationID_SetString(p, strings.ToUpper(strings.ReplaceAll(mac, ":", "-")))
	rfc2865.FramedIPAddress_Set(p, net.IP(ip.AsSlice()))
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	res, err := g.radius.exchange(ctx, p, g.cfg.AcctAddr)
	if err == nil && res.Code != radius.CodeAccountingResponse {
		err = fmt.Errorf("gateway: accounting answered %v", res.Code)
	}
	return err
}

// addMessageAuthenticator adds RFC 3579 §3.2 HMAC-MD5 over the packet.
func addMessageAuthenticator(p *radius.Packet) error {
	rfc2869.MessageAuthenticator_Set(p, make([]byte, 16))
	wire, err := p.Encode()
	if err != nil {
		return fmt.Errorf("gateway: %w", err)
	}
	m := hmac.New(md5.New, p.Secret)
	m.Write(wire)
	return rfc2869.MessageAuthenticator_Set(p, m.Sum(nil))
}
