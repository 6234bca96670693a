package radius

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	layeh "layeh.com/radius"
	"layeh.com/radius/rfc2865"

	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/radius/discovery"
)

// RealmRoutes finds where a realm's requests go; hotspots.Registry
// implements it.
type RealmRoutes interface {
	RouteRealm(realm string) (hotspots.Route, bool)
}

// Discoverer finds the RadSec servers of a realm in the DNS (RFC 7585),
// in the order to try them; discovery.Resolver implements it.
type Discoverer interface {
	Discover(ctx context.Context, realm string) ([]discovery.Server, error)
}

// HostResolver looks up the addresses of home servers given by name,
// honouring their TTL; discovery.Resolver implements it.
type HostResolver interface {
	Addrs(ctx context.Context, host string) ([]netip.Addr, error)
}

// ProxyConfig configures a Proxy. Zero fields take the stated defaults.
type ProxyConfig struct {
	Routes     RealmRoutes           // required
	Registerer prometheus.Registerer // required: the proxy's metrics
	// OperatorName is the RFC 5580 Operator-Name added to what leaves:
	// a namespace digit ('1' is a realm) and the operator. Default
	// "1wifi.hk". It also marks our Proxy-State, so a request that comes
	// back carrying it is a loop.
	OperatorName string
	// DeadAfter is how many requests in a row a home server may leave
	// unanswered before it is marked dead. Default 3.
	DeadAfter int
	// ProbeInterval is how often a dead (or idle) home server is sent
	// Status-Server. Default 10s.
	ProbeInterval time.Duration
	// Dial makes the transport to a home server. Default DialHomeUDP,
	// which knows only "udp"; radsec.HomeDialer adds RadSec.
	Dial func(hotspots.RouteServer) (Exchanger, error)
	// Discover finds the servers of dynamic realms. Without it their
	// requests are rejected.
	Discover Discoverer
	// Resolve looks up home servers given by name. Without it they are
	// left out of their pools.
	Resolve HostResolver
	// ForwardQueue is how many accounting forwards may be in flight;
	// more are dropped and counted. Default 256.
	ForwardQueue int
	Log          *slog.Logger
}

// Proxy sends the Access-Requests of realms that belong elsewhere to
// their home servers and relays the answers (eduroam-style, RFC 7593):
// failover in order, Status-Server probing, loop prevention with
// Proxy-State, Operator-Name added, local attributes stripped, every
// secret-dependent part re-signed or re-encrypted on each hop.
// Accounting is answered here; a realm may also have it forwarded.
type Proxy struct {
	cfg    ProxyConfig
	log    *slog.Logger
	marker []byte // our Proxy-State
	// the Operator-Name and Proxy-State added to every request that
	// leaves, shared by them all (attributes are never changed in place)
	operatorAVP, markerAVP *layeh.AVP
	met                    *proxyMetrics
	fwd                    chan struct{}

	mu      sync.Mutex
	servers map[hotspots.RouteServer]*homeServer
	broken  map[hotspots.RouteServer]bool // failed to dial: logged once
	pools   map[string]*pool              // what each route uses now
	closed  bool
	done    chan struct{} // closed by Close: stops the sweep
}

// Results of a proxied request: labels of wifihk_proxy_requests_total
// beside the answer's code.
const (
	proxyLoop      = "loop"       // carried our own Proxy-State: dropped
	proxyNoServer  = "no_server"  // every home server of the realm is dead
	proxyNoAnswer  = "no_answer"  // no home server answered in time
	proxyBadAnswer = "bad_answer" // an answer that cannot be relayed
	proxyNoDNS     = "no_dns"     // a dynamic realm with no server in the DNS: rejected
)

type proxyMetrics struct {
	requests *prometheus.CounterVec
	server   *prometheus.CounterVec
	alive    *prometheus.GaugeVec
	probes   *prometheus.CounterVec
	forwards *prometheus.CounterVec
	reg      prometheus.Registerer
}

func newProxyMetrics(reg prometheus.Registerer) *proxyMetrics {
	m := &proxyMetrics{reg: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wifihk_proxy_requests_total", Help: "Access-Requests proxied, by realm and result (the answer's code, loop, no_server, no_answer, bad_answer).",
		}, []string{"realm", "result"}),
		server: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wifihk_proxy_server_requests_total", Help: "Requests sent to a home server, by server and result (answer or timeout, each after its retries).",
		}, []string{"server", "result"}),
		alive: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "wifihk_proxy_server_alive", Help: "1 while a home server is alive, 0 while it is marked dead.",
		}, []string{"server"}),
		probes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wifihk_proxy_server_probes_total", Help: "Status-Server probes (RFC 5997) sent to a home server, by result.",
		}, []string{"server", "result"}),
		forwards: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wifihk_proxy_accounting_forwards_total", Help: "Accounting-Requests forwarded to a realm's home servers, by realm and result.",
		}, []string{"realm", "result"}),
	}
	reg.MustRegister(m.requests, m.server, m.alive, m.probes, m.forwards)
	return m
}

// NewProxy checks cfg and returns a Proxy.
func NewProxy(cfg ProxyConfig) (*Proxy, error) {
	if cfg.Routes == nil || cfg.Registerer == nil {
		return nil, errors.New("radius: proxy: Routes and Registerer are required")
	}
	if cfg.OperatorName == "" {
		cfg.OperatorName = "1wifi.hk"
	}
	if err := checkOperatorName(cfg.OperatorName); err != nil {
		return nil, err
	}
	if cfg.DeadAfter <= 0 {
		cfg.DeadAfter = 3
	}
	if cfg.ProbeInterval <= 0 {
		cfg.ProbeInterval = 10 * time.Second
	}
	if cfg.ForwardQueue <= 0 {
		cfg.ForwardQueue = 256
	}
	if cfg.Dial == nil {
		cfg.Dial = DialHomeUDP
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	p := &Proxy{cfg: cfg, log: cfg.Log.With("component", "radius-proxy"),
		marker: []byte("wifihk-proxy " + cfg.OperatorName), met: newProxyMetrics(cfg.Registerer),
		fwd: make(chan struct{}, cfg.ForwardQueue), servers: map[hotspots.RouteServer]*homeServer{},
		broken: map[hotspots.RouteServer]bool{}, pools: map[string]*pool{}, done: make(chan struct{})}
	p.operatorAVP = &layeh.AVP{Type: typeOperatorName, Attribute: []byte(cfg.OperatorName)}
	p.markerAVP = &layeh.AVP{Type: rfc2865.ProxyState_Type, Attribute: p.marker}
	go p.sweepLoop()
	return p, nil
}

// checkOperatorName applies RFC 5580 §4.1: a namespace ID ('0'-'3') and
// at least one byte of name, 253 bytes in all.
func checkOperatorName(s string) error {
	if len(s) < 2 || len(s) > 253 || s[0] < '0' || s[0] > '3' {
		return fmt.Errorf("radius: proxy: OperatorName %q must be a namespace digit 0-3 and a name (RFC 5580), like \"1wifi.hk\"", s)
	}
	return nil
}

// DialHomeUDP dials a home server whose transport is UDP.
func DialHomeUDP(s hotspots.RouteServer) (Exchanger, error) {
	if s.Transport != hotspots.TransportUDP {
		return nil, fmt.Errorf("radius: proxy: home server %s: transport %q is not supported", s.Address, s.Transport)
	}
	return DialUDP(s.Address, s.Timeout, s.Retries)
}

// Close stops the probes and the sweep and closes the transports.
func (p *Proxy) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil
	}
	p.closed = true
	close(p.done)
	for _, h := range p.servers {
		close(h.stop)
		h.ex.Close()
	}
	return nil
}

// Health returns every home server's state, by name.
func (p *Proxy) Health() []ServerHealth {
	p.mu.Lock()
	realms := map[hotspots.RouteServer][]string{}
	for _, pl := range p.pools {
		for _, s := range pl.servers {
			if !slices.Contains(realms[s], pl.route) {
				realms[s] = append(realms[s], pl.route)
			}
		}
	}
	out := make([]ServerHealth, 0, len(p.servers))
	for s, h := range p.servers {
		hl := h.health()
		hl.Realms = realms[s]
		slices.Sort(hl.Realms)
		out = append(out, hl)
	}
	p.mu.Unlock()
	slices.SortFunc(out, func(a, b ServerHealth) int { return bytes.Compare([]byte(a.Server), []byte(b.Server)) })
	return out
}

// server returns the state of a home server, starting its transport and
// probes on first use.
func (p *Proxy) server(s hotspots.RouteServer) (*homeServer, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if h := p.servers[s]; h != nil {
		return h, nil
	}
	if p.closed {
		return nil, ErrServerClosed
	}
	ex, err := p.cfg.Dial(s)
	if err != nil {
		if !p.broken[s] {
			p.broken[s] = true
			p.log.Warn("home server unusable", "server", serverName(s), "err", err)
		}
		return nil, err
	}
	name := serverName(s)
	h := &homeServer{cfg: s, name: name, ex: ex, deadAfter: p.cfg.DeadAfter, met: p.met, alive: true, stop: make(chan struct{}),
		answered: p.met.server.WithLabelValues(name, "answer"), timedOut: p.met.server.WithLabelValues(name, "timeout")}
	h.lastAnswer.Store(time.Now().UnixNano())
	p.met.alive.WithLabelValues(name).Set(1)
	if c, ok := ex.(lateCounter); ok {
		late := prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "wifihk_proxy_server_late_answers_total", Help: "Answers from a home server that matched no waiting request (late, duplicate or forged): dropped.",
			ConstLabels: prometheus.Labels{"server": name},
		}, func() float64 { return float64(c.LateAnswers()) })
		if p.cfg.Registerer.Register(late) == nil {
			h.late = late
		}
	}
	p.servers[s] = h
	go h.watch(p.cfg.ProbeInterval)
	return h, nil
}

// serverName labels a home server in health and metrics: transport and
// address, and the client certificate it is reached with when its realm
// has one of its own, so that realms reaching one server as different
// clients are told apart.
func serverName(s hotspots.RouteServer) string {
	name := s.Transport + "/" + s.Address.String()
	if c := s.ClientCert; c != nil && c.Leaf != nil {
		name += " (client " + cmp.Or(c.Leaf.Subject.CommonName, c.Leaf.Subject.String()) + ")"
	}
	return name
}

// alive returns the live home servers of a route, in order.
func (p *Proxy) alive(servers []hotspots.RouteServer) []*homeServer {
	var out []*homeServer
	for _, s := range servers {
		h, err := p.server(s)
		if err != nil {
			continue
		}
		if h.isAlive() {
			out = append(out, h)
		}
	}
	return out
}

// maxDiscovered bounds the servers of a dynamic realm tried for one
// request, as a listed pool is bounded.
const maxDiscovered = 8

var (
	// ErrNoDiscovery means a dynamic realm was routed to but the proxy
	// has no Discoverer.
	ErrNoDiscovery = errors.New("radius: proxy: the realm is dynamic, but DNS discovery is not configured")
	// ErrNoResolver means a home server is given by name but the proxy
	// has no HostResolver.
	ErrNoResolver = errors.New("radius: proxy: a home server is given by name, but no DNS resolver is configured")
)

// maxAddrsPerName bounds the addresses of one named home server that
// join its pool, in the resolver's order.
const maxAddrsPerName = 2

// homeServers returns the servers of rt for a request of realm: its
// list, or for a dynamic realm what the DNS names (RadSec, with the
// realm's CA, timeout and retries; the certificate must name the
// realm as NAIRealm, RFC 7585 §2.2).
func (p *Proxy) homeServers(ctx context.Context, rt hotspots.Route, realm string) ([]hotspots.RouteServer, error) {
	if rt.Discovery == nil {
		return p.resolveNamed(ctx, rt.Servers)
	}
	if p.cfg.Discover == nil {
		return nil, ErrNoDiscovery
	}
	found, err := p.cfg.Discover.Discover(ctx, realm)
	if err != nil {
		return nil, err
	}
	out := make([]hotspots.RouteServer, 0, min(len(found), maxDiscovered))
	for _, f := range found[:min(len(found), maxDiscovered)] {
		s := *rt.Discovery
		s.Address, s.ServerName, s.NAIRealm = f.Addr, f.Target, realm
		out = append(out, s)
	}
	return out, nil
}

// named reports whether s is given by host name.
func named(s hotspots.RouteServer) bool { return s.Host != "" }

// resolveNamed puts in place of each server given by name one server per
// address of its name (a RadSec one checked against the name unless it
// has a ServerName). A name that does not resolve is left out, and its
// error returned when nothing is left.
func (p *Proxy) resolveNamed(ctx context.Context, servers []hotspots.RouteServer) ([]hotspots.RouteServer, error) {
	if !slices.ContainsFunc(servers, named) {
		return servers, nil
	}
	out := make([]hotspots.RouteServer, 0, len(servers)+1)
	var lastErr error
	for _, s := range servers {
		if s.Host == "" {
			out = append(out, s)
			continue
		}
		addrs, err := p.addrs(ctx, s.Host)
		if err != nil {
			lastErr = err
			continue
		}
		for _, a := range addrs[:min(len(addrs), maxAddrsPerName)] {
			r := s
			r.Address = netip.AddrPortFrom(a, s.Address.Port())
			if r.Transport == hotspots.TransportRadSec && r.ServerName == "" {
				r.ServerName = s.Host
			}
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		return nil, lastErr
	}
	return out, nil
}

func (p *Proxy) addrs(ctx context.Context, host string) ([]netip.Addr, error) {
	if p.cfg.Resolve == nil {
		return nil, ErrNoResolver
	}
	return p.cfg.Resolve.Addrs(ctx, host)
}

// route returns where r goes when a realm route sends it elsewhere.
func (p *Proxy) route(r *Request) (hotspots.Route, string, bool) {
	realm := hotspots.RealmOf(rfc2865.UserName_GetString(r.Packet))
	rt, ok := p.cfg.Routes.RouteRealm(realm)
	if !ok || rt.Local {
		return hotspots.Route{}, realm, false
	}
	return rt, realm, true
}

// Auth wraps the authentication handler: requests of other realms are
// proxied, the rest go to next. Proxied requests are answered as their
// home servers answer, without holding the server's reader.
func (p *Proxy) Auth(next Handler) AsyncBatchHandler { return &authProxy{p, next} }

type authProxy struct {
	p    *Proxy
	next Handler
}

func (a *authProxy) ServeRADIUS(ctx context.Context, r *Request) (Response, error) {
	rt, realm, ok := a.p.route(r)
	if !ok {
		return a.next.ServeRADIUS(ctx, r)
	}
	r.Realm = realm
	ch := make(chan Response, 1)
	a.p.forwardAuth(ctx, r, rt, nil, func(resp Response, _ *SendHold) { ch <- resp })
	return <-ch, nil
}

// StartRADIUSBatch sends the batch's proxied requests off together (one
// sendmmsg per home server socket) and answers the local ones
// meanwhile; each proxied one is answered as its home server answers,
// from the transport's reader.
func (a *authProxy) StartRADIUSBatch(ctx context.Context, rs []*Request, done func(i int, resp Response, err error, after *SendHold)) {
	var hold SendHold
	var local []int
	for i, r := range rs {
		rt, realm, ok := a.p.route(r)
		if !ok {
			local = append(local, i)
			continue
		}
		r.Realm = realm
		a.p.forwardAuth(ctx, r, rt, &hold, func(resp Response, after *SendHold) { done(i, resp, nil, after) })
	}
	hold.Flush()
	for _, i := range local {
		resp, err := a.next.ServeRADIUS(ctx, rs[i])
		done(i, resp, err, &hold)
	}
	hold.Flush()
}

// looped reports whether r carries our own Proxy-State: it has been
// here before.
func (p *Proxy) looped(r *Request) bool {
	for _, a := range r.Attributes {
		if a.Type == rfc2865.ProxyState_Type && bytes.Equal(a.Attribute, p.marker) {
			return true
		}
	}
	return false
}

// typeOperatorName is RFC 5580's Operator-Name.
const typeOperatorName = 126

// outAttributes are the attributes of r that leave for a home server of
// rt: all but the Message-Authenticator (signed again), User-Password
// (encrypted again) and Vendor-Specific attributes (local: the NAS's
// vendor and location details stay here), User-Name without its realm
// unless rt says nostrip, with a CHAP-Challenge when the CHAP challenge
// was r's authenticator (which does not travel), our Operator-Name
// unless the NAS gave one, and our Proxy-State last.
func (p *Proxy) outAttributes(r *Request, rt hotspots.Route) layeh.Attributes {
	out := make(layeh.Attributes, 0, len(r.Attributes)+3)
	var chap, challenge, operator bool
	user := -1
	for _, a := range r.Attributes {
		switch a.Type {
		case typeMA, rfc2865.UserPassword_Type, rfc2865.VendorSpecific_Type:
			continue
		case rfc2865.UserName_Type:
			user = len(out)
		case rfc2865.CHAPPassword_Type:
			chap = true
		case rfc2865.CHAPChallenge_Type:
			challenge = true
		case typeOperatorName:
			operator = true
		}
		out = append(out, a)
	}
	if user >= 0 && !rt.NoStrip && r.Get(typeEAPMessage) == nil {
		out[user] = stripRealm(out[user])
	}
	if chap && !challenge {
		out = append(out, &layeh.AVP{Type: rfc2865.CHAPChallenge_Type, Attribute: slices.Clone(r.Authenticator[:])})
	}
	if !operator {
		out = append(out, p.operatorAVP)
	}
	return append(out, p.markerAVP)
}

// stripRealm returns a User-Name without its realm (what follows the
// last '@', RFC 7542), or as it is when nothing would be left.
func stripRealm(a *layeh.AVP) *layeh.AVP {
	i := bytes.LastIndexByte(a.Attribute, '@')
	if i <= 0 {
		return a
	}
	return &layeh.AVP{Type: a.Type, Attribute: a.Attribute[:i]}
}

// forwardAuth sends r to the route's live home servers in order until
// one answers, and calls done once with that answer for the NAS (a zero
// Response when none does: the NAS will retry). The first try's
// datagram waits for hold's Flush (when hold is not nil); done is called
// from the transport's reader (with its batch's hold) or timer, or
// before forwardAuth returns (with hold) when there is nothing to send.
func (p *Proxy) forwardAuth(ctx context.Context, r *Request, rt hotspots.Route, hold *SendHold, done func(Response, *SendHold)) {
	if p.looped(r) {
		p.met.requests.WithLabelValues(rt.Realm, proxyLoop).Inc()
		done(Response{}, hold)
		return
	}
	if hold != nil && (rt.Discovery != nil || slices.ContainsFunc(rt.Servers, named)) {
		hold.Flush() // the DNS may keep us: what the batch queued goes now
	}
	list, err := p.homeServers(ctx, rt, r.Realm)
	if err != nil {
		// Logged by the discovery, once per lookup; the NAS gets an
		// answer rather than retrying into the negative cache.
		p.usePool(rt, r.Realm, nil)
		p.met.requests.WithLabelValues(rt.Realm, proxyNoDNS).Inc()
		done(Response{Code: layeh.CodeAccessReject}, hold)
		return
	}
	p.usePool(rt, r.Realm, list)
	f := &forwarding{p: p, ctx: ctx, r: r, realm: rt.Realm, servers: p.alive(list), done: done}
	if len(f.servers) == 0 {
		p.met.requests.WithLabelValues(rt.Realm, proxyNoServer).Inc()
		done(Response{}, hold)
		return
	}
	f.attrs = p.outAttributes(r, rt)
	f.pw, f.pwErr = rfc2865.UserPassword_Lookup(r.Packet)
	f.try(0, hold)
}

// forwarding is one proxied Access-Request on its way through the home
// servers.
type forwarding struct {
	p       *Proxy
	ctx     context.Context
	r       *Request
	realm   string // the route's, for metrics
	servers []*homeServer
	attrs   layeh.Attributes
	pw      []byte
	pwErr   error
	done    func(Response, *SendHold)
}

// attrsWithRoom is a copy of attrs with room for the User-Password.
func (f *forwarding) attrsWithRoom() layeh.Attributes {
	return append(make(layeh.Attributes, 0, len(f.attrs)+1), f.attrs...)
}

// try sends the request to servers[i], and on no answer to the next
// (unless the server is shutting down).
func (f *forwarding) try(i int, hold *SendHold) {
	if i == len(f.servers) || (i > 0 && f.ctx.Err() != nil) {
		f.p.met.requests.WithLabelValues(f.realm, proxyNoAnswer).Inc()
		f.done(Response{}, hold)
		return
	}
	h := f.servers[i]
	out := &layeh.Packet{Code: layeh.CodeAccessRequest, Secret: []byte(h.cfg.Secret), Attributes: f.attrsWithRoom()}
	rand.Read(out.Authenticator[:])
	if f.pwErr == nil {
		if err := rfc2865.UserPassword_Set(out, f.pw); err != nil {
			f.p.met.requests.WithLabelValues(f.realm, proxyBadAnswer).Inc()
			f.done(Response{}, hold)
			return
		}
	}
	h.start(f.ctx, out, hold, func(ans *layeh.Packet, err error, after *SendHold) {
		if err != nil {
			f.try(i+1, after)
			return
		}
		resp, err := relay(ans, out, f.r)
		if err != nil {
			f.p.met.requests.WithLabelValues(f.realm, proxyBadAnswer).Inc()
			f.p.log.Warn("home server answer not relayed", "realm", f.realm, "server", h.name, "err", err)
			f.done(Response{}, after)
			return
		}
		f.p.met.requests.WithLabelValues(f.realm, resp.Code.String()).Inc()
		f.done(resp, after)
	})
}

// relay turns a home server's answer to out into the answer to the NAS's
// request r: its Proxy-State and Message-Authenticator go (the server
// puts back r's and signs with the NAS's secret); attributes encrypted
// with the home server's secret are encrypted again with the NAS's.
func relay(ans, out *layeh.Packet, r *Request) (Response, error) {
	switch ans.Code {
	case layeh.CodeAccessAccept, layeh.CodeAccessReject, layeh.CodeAccessChallenge:
	default:
		return Response{}, fmt.Errorf("radius: proxy: %v is no answer to an Access-Request", ans.Code)
	}
	var hasMA, hasEAP bool
	attrs := make(layeh.Attributes, 0, len(ans.Attributes))
	for _, a := range ans.Attributes {
		switch a.Type {
		case rfc2865.ProxyState_Type:
			continue
		case typeMA:
			hasMA = true
			continue
		case typeEAPMessage:
			hasEAP = true
		case typeTunnelPassword:
			v, err := resaltTagged(a.Attribute, out, r)
			if err != nil {
				return Response{}, err
			}
			a = &layeh.AVP{Type: a.Type, Attribute: v}
		case rfc2865.VendorSpecific_Type:
			v, err := resaltVendor(a.Attribute, out, r)
			if err != nil {
				return Response{}, err
			}
			a = &layeh.AVP{Type: a.Type, Attribute: v}
		}
		attrs = append(attrs, a)
	}
	if hasEAP && !hasMA {
		return Response{}, errors.New("radius: proxy: EAP answer without Message-Authenticator (RFC 3579 §3.2)")
	}
	return Response{Code: ans.Code, Attributes: attrs}, nil
}

const (
	typeEAPMessage     = 79
	typeTunnelPassword = 69
	vendorMicrosoft    = 311
)

// resalt decrypts an RFC 2868-style salted value (salt and ciphertext)
// encrypted for out and encrypts it for r.
func resalt(v []byte, out *layeh.Packet, r *Request) ([]byte, error) {
	plain, salt, err := layeh.TunnelPassword(v, out.Secret, out.Authenticator[:])
	if err != nil {
		return nil, fmt.Errorf("radius: proxy: salted attribute: %w", err)
	}
	return layeh.NewTunnelPassword(plain, salt, r.Secret, r.Authenticator[:])
}

// resaltTagged re-encrypts a Tunnel-Password (a tag byte, then salted).
func resaltTagged(v []byte, out *layeh.Packet, r *Request) ([]byte, error) {
	if len(v) < 1 {
		return nil, errors.New("radius: proxy: empty Tunnel-Password")
	}
	e, err := resalt(v[1:], out, r)
	if err != nil {
		return nil, err
	}
	return append([]byte{v[0]}, e...), nil
}

// resaltVendor re-encrypts MS-MPPE-Send-Key and MS-MPPE-Recv-Key (RFC
// 2548 §2.4) in a Vendor-Specific attribute; others pass as they are.
func resaltVendor(v []byte, out *layeh.Packet, r *Request) ([]byte, error) {
	id, vsa, err := layeh.VendorSpecific(v)
	if err != nil || id != vendorMicrosoft {
		return v, nil
	}
	res := slices.Clone(v[:4])
	for len(vsa) >= 2 {
		typ, l := vsa[0], int(vsa[1])
		if l < 2 || l > len(vsa) {
			return nil, errors.New("radius: proxy: malformed Microsoft attribute")
		}
		val := vsa[2:l]
		if typ == 16 || typ == 17 {
			if val, err = resalt(val, out, r); err != nil {
				return nil, err
			}
		}
		if len(val)+2 > 255 {
			return nil, errors.New("radius: proxy: Microsoft attribute too long")
		}
		res = append(res, typ, byte(len(val)+2))
		res = append(res, val...)
		vsa = vsa[l:]
	}
	return res, nil
}
