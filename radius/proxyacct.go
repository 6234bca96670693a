package radius

import (
	"context"
	"net/netip"
	"slices"

	layeh "layeh.com/radius"

	"github.com/wifihk/wifihk/hotspots"
)

// Acct wraps the accounting handler: every Accounting-Request is recorded
// and answered here (RFC 7593 §3.2), a proxied realm's with the realm
// named; for a realm that forwards accounting, a copy then goes to its
// home servers' accounting ports in the background.
func (p *Proxy) Acct(next BatchHandler) BatchHandler { return &acctProxy{p, next} }

type acctProxy struct {
	p    *Proxy
	next BatchHandler
}

func (a *acctProxy) ServeRADIUS(ctx context.Context, r *Request) (Response, error) {
	rt, ok := a.mark(r)
	resp, err := a.next.ServeRADIUS(ctx, r)
	if ok && err == nil && resp.Code != 0 {
		a.p.forwardAcct(r, rt)
	}
	return resp, err
}

func (a *acctProxy) ServeRADIUSBatch(ctx context.Context, rs []*Request) ([]Response, []error) {
	routes := make([]*hotspots.Route, len(rs))
	for i, r := range rs {
		if rt, ok := a.mark(r); ok {
			routes[i] = &rt
		}
	}
	resps, errs := a.next.ServeRADIUSBatch(ctx, rs)
	for i, rt := range routes {
		if rt != nil && errs[i] == nil && resps[i].Code != 0 {
			a.p.forwardAcct(rs[i], *rt)
		}
	}
	return resps, errs
}

// mark names r's realm when it is proxied; ok when its accounting is
// also forwarded.
func (a *acctProxy) mark(r *Request) (hotspots.Route, bool) {
	rt, realm, ok := a.p.route(r)
	if !ok {
		return rt, false
	}
	r.Realm = realm
	return rt, rt.ForwardAcct
}

// forwardAcct sends a copy of r to the first live accounting server of
// rt, in the background; when ForwardQueue copies are in flight it drops
// this one and counts it.
func (p *Proxy) forwardAcct(r *Request, rt hotspots.Route) {
	if p.looped(r) {
		p.met.forwards.WithLabelValues(rt.Realm, proxyLoop).Inc()
		return
	}
	select {
	case p.fwd <- struct{}{}:
	default:
		p.met.forwards.WithLabelValues(rt.Realm, "queue_full").Inc()
		return
	}
	attrs := p.outAttributes(r, rt)
	realm := r.Realm
	go func() {
		defer func() { <-p.fwd }()
		list, err := p.homeServers(context.Background(), rt, realm)
		if err != nil {
			p.met.forwards.WithLabelValues(rt.Realm, proxyNoDNS).Inc()
			return
		}
		p.usePool(rt, realm, list)
		for _, h := range p.alive(acctServers(list)) {
			out := &layeh.Packet{Code: layeh.CodeAccountingRequest, Secret: []byte(h.cfg.Secret), Attributes: slices.Clone(attrs)}
			ans, err := h.exchange(context.Background(), out)
			if err == nil && ans.Code == layeh.CodeAccountingResponse {
				p.met.forwards.WithLabelValues(rt.Realm, "answered").Inc()
				return
			}
		}
		p.met.forwards.WithLabelValues(rt.Realm, proxyNoAnswer).Inc()
	}()
}

// acctServers are the accounting ends of servers: UDP ones on their
// accounting port, RadSec ones on the same connection.
func acctServers(servers []hotspots.RouteServer) []hotspots.RouteServer {
	acct := make([]hotspots.RouteServer, 0, len(servers))
	for _, s := range servers {
		if s.Transport != hotspots.TransportRadSec {
			s.Address = netip.AddrPortFrom(s.Address.Addr(), s.AcctPort)
			s.AcctPort = 0
		}
		acct = append(acct, s)
	}
	return acct
}
