package discovery

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// Bounds on what one realm's records may make us do, whatever the zone
// says.
const (
	maxNAPTR   = 8 // matching NAPTR records followed
	maxTargets = 8 // SRV targets (or "a" hosts) resolved
	maxAddrs   = 4 // addresses kept per target
)

// lookup is one discovery: its queries and the shortest TTL seen.
type lookup struct {
	r   *Resolver
	ttl time.Duration
}

// realm runs RFC 7585's algorithm for realm: NAPTR, then SRV (or the
// host of an "a" record), then addresses.
func (l *lookup) realm(ctx context.Context, realm string) ([]target, error) {
	rrs, err := l.query(ctx, realm, dns.TypeNAPTR)
	if err != nil {
		return nil, fmt.Errorf("%w: realm %s: %w", ErrNoServer, realm, err)
	}
	naptrs := selectNAPTR(rrs, l.r.cfg.Service)
	if len(naptrs) == 0 {
		return nil, fmt.Errorf("%w: realm %s has no NAPTR record for %q", ErrNoServer, realm, l.r.cfg.Service)
	}
	var targets []target
	var lastErr error
	for rank, n := range naptrs[:min(len(naptrs), maxNAPTR)] {
		ts, err := l.naptrTargets(ctx, n, rank)
		if err != nil {
			lastErr = err
		}
		targets = append(targets, ts...)
	}
	var out []target
	for _, t := range targets[:min(len(targets), maxTargets)] {
		if t.addrs, err = l.addrs(ctx, t.name); err != nil {
			lastErr = err
			continue
		}
		out = append(out, t)
	}
	if len(out) == 0 {
		if lastErr == nil {
			lastErr = fmt.Errorf("its NAPTR records lead to no server")
		}
		return nil, fmt.Errorf("%w: realm %s: %w", ErrNoServer, realm, lastErr)
	}
	return out, nil
}

// naptrTargets follows one NAPTR record: the SRV records of its
// replacement ("s"), or its replacement as the host ("a").
func (l *lookup) naptrTargets(ctx context.Context, n *dns.NAPTR, rank int) ([]target, error) {
	name := hostName(n.Replacement)
	if strings.EqualFold(n.Flags, "a") {
		return []target{{name: name, port: Port, rank: rank}}, nil
	}
	rrs, err := l.query(ctx, name, dns.TypeSRV)
	if err != nil {
		return nil, err
	}
	ts := srvTargets(rrs, rank)
	if len(ts) == 0 {
		return nil, fmt.Errorf("SRV %s: no server (no record, or target \".\")", name)
	}
	return ts, nil
}

// addrs returns a target's addresses, IPv6 and IPv4.
func (l *lookup) addrs(ctx context.Context, host string) ([]netip.Addr, error) {
	var out []netip.Addr
	var errs []error
	for _, qt := range []uint16{dns.TypeAAAA, dns.TypeA} {
		rrs, err := l.query(ctx, host, qt)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, rr := range rrs {
			var a netip.Addr
			switch v := rr.(type) {
			case *dns.A:
				a, _ = netip.AddrFromSlice(v.A.To4())
			case *dns.AAAA:
				a, _ = netip.AddrFromSlice(v.AAAA.To16())
			}
			if a.IsValid() && len(out) < maxAddrs {
				out = append(out, a)
			}
		}
	}
	if len(out) == 0 {
		if len(errs) > 0 {
			return nil, errs[len(errs)-1]
		}
		return nil, fmt.Errorf("%s has no address", host)
	}
	return out, nil
}

// query asks the resolver for name's records of type qt (over TCP when
// the UDP answer is truncated) and returns those of that type, noting
// the shortest TTL. A name that does not exist and a failed query are
// errors.
func (l *lookup) query(ctx context.Context, name string, qt uint16) ([]dns.RR, error) {
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), qt)
	l.r.mu.Lock()
	l.r.queries++
	l.r.mu.Unlock()
	what := dns.TypeToString[qt] + " " + name
	in, _, err := l.r.client.ExchangeContext(ctx, m, l.r.cfg.Resolver)
	if err == nil && in.Truncated {
		tcp := *l.r.client
		tcp.Net = "tcp"
		in, _, err = tcp.ExchangeContext(ctx, m, l.r.cfg.Resolver)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	switch in.Rcode {
	case dns.RcodeSuccess:
	case dns.RcodeNameError:
		return nil, fmt.Errorf("%s: no such name", what)
	default:
		return nil, fmt.Errorf("%s: the resolver answered %s", what, dns.RcodeToString[in.Rcode])
	}
	var out []dns.RR
	for _, rr := range in.Answer {
		h := rr.Header()
		if h.Rrtype == qt || h.Rrtype == dns.TypeCNAME {
			l.ttl = min(l.ttl, time.Duration(h.Ttl)*time.Second)
		}
		if h.Rrtype == qt {
			out = append(out, rr)
		}
	}
	return out, nil
}

// hostName is a DNS name as we keep it: lowercase, no final dot.
func hostName(s string) string { return strings.ToLower(strings.TrimSuffix(s, ".")) }
