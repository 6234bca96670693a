package radius

import (
	"context"
	"slices"
	"time"

	"github.com/wifihk/wifihk/hotspots"
)

// pool is the servers one route uses now (for a dynamic realm, one
// visitor realm of it): the proxy keeps transports, probes, health and
// counters only for servers some pool names, and forgets the others.
type pool struct {
	route   string // the route's name
	realm   string // a visitor realm routed to it, to route again
	dynamic bool
	servers []hotspots.RouteServer
	used    time.Time
}

// idlePool is how long a dynamic realm's pool is kept without a request:
// past it the DNS is no longer asked for it, and its servers go.
const idlePool = time.Hour

// maxPools bounds the pools kept, as the discovery cache is bounded.
const maxPools = 4096

func poolKey(rt hotspots.Route, realm string) string {
	if rt.Discovery != nil {
		return rt.Realm + "\x00" + realm
	}
	return rt.Realm
}

// withAcct adds the accounting ends of list when rt forwards accounting.
func withAcct(rt hotspots.Route, list []hotspots.RouteServer) []hotspots.RouteServer {
	if !rt.ForwardAcct {
		return list
	}
	return append(slices.Clone(list), acctServers(list)...)
}

// usePool records that rt uses list for realm now; servers it no longer
// names, and no other pool does, are forgotten at once.
func (p *Proxy) usePool(rt hotspots.Route, realm string, list []hotspots.RouteServer) {
	set := withAcct(rt, list)
	p.mu.Lock()
	k := poolKey(rt, realm)
	pl := p.pools[k]
	if pl == nil && len(p.pools) >= maxPools {
		p.mu.Unlock()
		return // served, but not kept: the sweep forgets its servers
	}
	if pl == nil {
		pl = &pool{route: rt.Realm, realm: realm, dynamic: rt.Discovery != nil}
		p.pools[k] = pl
	}
	pl.used = time.Now()
	var gone []*homeServer
	if !sameSet(pl.servers, set) {
		pl.servers = set
		gone = p.forgetLocked()
	}
	p.mu.Unlock()
	closeAll(gone)
}

func sameSet(a, b []hotspots.RouteServer) bool {
	if len(a) != len(b) {
		return false
	}
	for _, s := range a {
		if !slices.Contains(b, s) {
			return false
		}
	}
	return true
}

// sweep routes every pool's realm again and asks the DNS again where
// its answer expired: servers that a realm's edit or removal, or a new
// DNS answer, leaves out are forgotten even when no request comes.
func (p *Proxy) sweep(ctx context.Context) {
	p.mu.Lock()
	pools := make(map[string]pool, len(p.pools))
	for k, pl := range p.pools {
		pools[k] = *pl
	}
	p.mu.Unlock()
	fresh := make(map[string][]hotspots.RouteServer, len(pools))
	for k, pl := range pools {
		if list, ok := p.current(ctx, pl); ok {
			fresh[k] = list
		}
	}
	p.mu.Lock()
	for k := range pools {
		list, ok := fresh[k]
		if pl := p.pools[k]; pl != nil && !ok {
			delete(p.pools, k)
		} else if pl != nil {
			pl.servers = list
		}
	}
	gone := p.forgetLocked()
	p.mu.Unlock()
	closeAll(gone)
}

// current is what pl's route uses now; ok is false when the pool should
// go: its route was removed, changed kind or name, or it idled too long.
func (p *Proxy) current(ctx context.Context, pl pool) ([]hotspots.RouteServer, bool) {
	if pl.dynamic && time.Since(pl.used) > idlePool {
		return nil, false
	}
	rt, ok := p.cfg.Routes.RouteRealm(pl.realm)
	if !ok || rt.Local || rt.Realm != pl.route || (rt.Discovery != nil) != pl.dynamic {
		return nil, false
	}
	list, err := p.homeServers(ctx, rt, pl.realm)
	switch {
	case err != nil && ctx.Err() != nil:
		return pl.servers, true // the sweep ran out of time: nothing learnt
	case err != nil:
		return nil, true // the DNS names none now
	}
	return withAcct(rt, list), true
}

// forgetLocked removes the servers no pool names and returns them, to
// be closed once p.mu is released. p.mu is held.
func (p *Proxy) forgetLocked() []*homeServer {
	named := map[hotspots.RouteServer]bool{}
	for _, pl := range p.pools {
		for _, s := range pl.servers {
			named[s] = true
		}
	}
	var gone []*homeServer
	for s, h := range p.servers {
		if !named[s] {
			delete(p.servers, s)
			gone = append(gone, h)
		}
	}
	for s := range p.broken {
		if !named[s] {
			delete(p.broken, s)
		}
	}
	for _, h := range gone {
		h.retire(!p.labelInUse(h.name))
	}
	return gone
}

// labelInUse reports whether a kept server shares the metrics label.
func (p *Proxy) labelInUse(name string) bool {
	for _, h := range p.servers {
		if h.name == name {
			return true
		}
	}
	return false
}

func closeAll(hs []*homeServer) {
	for _, h := range hs {
		h.ex.Close()
	}
}

// sweepLoop sweeps every probe interval until the proxy closes.
func (p *Proxy) sweepLoop() {
	t := time.NewTicker(p.cfg.ProbeInterval)
	defer t.Stop()
	for {
		select {
		case <-p.done:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), p.cfg.ProbeInterval)
		p.sweep(ctx)
		cancel()
	}
}

// retire stops the server's probes and, with dropMetrics, removes its
// series from /metrics; nothing it does later is counted.
func (h *homeServer) retire(dropMetrics bool) {
	close(h.stop)
	h.mu.Lock()
	h.retired = true
	h.mu.Unlock()
	if !dropMetrics {
		return
	}
	m := h.met
	m.alive.DeleteLabelValues(h.name)
	for _, r := range []string{"answer", "timeout"} {
		m.server.DeleteLabelValues(h.name, r)
		m.probes.DeleteLabelValues(h.name, r)
	}
	if h.late != nil {
		m.reg.Unregister(h.late)
	}
}
