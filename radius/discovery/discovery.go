package discovery

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// Service is RFC 7585's S-NAPTR service field for RADIUS/TLS
// authentication (§2.1.1.1 and §2.1.1.2): application service aaa+auth,
// protocol radius.tls.tcp. eduroam publishes "x-eduroam:radius.tls".
const Service = "aaa+auth:radius.tls.tcp"

// Port is RadSec's port, for NAPTR records that name a host ("a" flag).
const Port = 2083

// ErrNoServer means the DNS names no RadSec server for the realm: no
// NAPTR record with our service, or NAPTR, SRV or address records that
// lead nowhere. Errors of discovery wrap it or a DNS failure.
var ErrNoServer = errors.New("discovery: no RadSec server in the DNS")

// Config configures a Resolver. Zero fields take the stated defaults.
type Config struct {
	// Resolver is the DNS server asked, host:port. Default: the first
	// nameserver of /etc/resolv.conf.
	Resolver string
	// Service is the S-NAPTR service field looked for. Default Service.
	Service string
	// Timeout bounds one DNS query. Default 2s.
	Timeout time.Duration
	// MinTTL and MaxTTL bound how long an answer is kept, whatever its
	// TTL says. Defaults 10s and 24h.
	MinTTL, MaxTTL time.Duration
	// NegativeTTL is how long a failed discovery is remembered before
	// the DNS is asked again. Default 60s.
	NegativeTTL time.Duration
	// MaxRealms bounds the cache. Default 4096.
	MaxRealms int
	Log       *slog.Logger
}

// Server is one discovered RadSec server.
type Server struct {
	// Target is the host name the SRV record (or an "a" NAPTR record)
	// names, lowercase, without the final dot.
	Target string
	Addr   netip.AddrPort
}

// Resolver discovers and caches realms' servers.
type Resolver struct {
	cfg    Config
	log    *slog.Logger
	client *dns.Client
	now    func() time.Time

	mu      sync.Mutex
	cache   map[string]*entry
	pending map[string]*flight
	queries int // DNS queries sent, for tests
}

type entry struct {
	targets []target
	err     error
	expires time.Time
}

// flight is a lookup in progress that later callers for the realm wait on.
type flight struct {
	done chan struct{}
	e    *entry
}

// New checks cfg and returns a Resolver.
func New(cfg Config) (*Resolver, error) {
	if cfg.Resolver == "" {
		cc, err := dns.ClientConfigFromFile("/etc/resolv.conf")
		if err != nil || len(cc.Servers) == 0 {
			return nil, fmt.Errorf("discovery: no resolver given and none in /etc/resolv.conf: %v", err)
		}
		cfg.Resolver = net.JoinHostPort(cc.Servers[0], cc.Port)
	}
	if _, _, err := net.SplitHostPort(cfg.Resolver); err != nil {
		return nil, fmt.Errorf("discovery: Resolver: %q is not host:port", cfg.Resolver)
	}
	if cfg.Service == "" {
		cfg.Service = Service
	}
	if _, _, ok := strings.Cut(cfg.Service, ":"); !ok {
		return nil, fmt.Errorf("discovery: Service: %q is not SERVICE:PROTOCOL", cfg.Service)
	}
	cfg.Timeout = cmpOr(cfg.Timeout, 2*time.Second)
	cfg.MinTTL = cmpOr(cfg.MinTTL, 10*time.Second)
	cfg.MaxTTL = cmpOr(cfg.MaxTTL, 24*time.Hour)
	cfg.NegativeTTL = cmpOr(cfg.NegativeTTL, time.Minute)
	if cfg.MaxRealms <= 0 {
		cfg.MaxRealms = 4096
	}
	if cfg.MinTTL > cfg.MaxTTL {
		return nil, fmt.Errorf("discovery: MinTTL %v is above MaxTTL %v", cfg.MinTTL, cfg.MaxTTL)
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	return &Resolver{cfg: cfg, log: cfg.Log.With("component", "radsec-discovery"), now: time.Now,
		client: &dns.Client{Timeout: cfg.Timeout}, cache: map[string]*entry{}, pending: map[string]*flight{}}, nil
}

func cmpOr(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// Discover returns the RadSec servers of realm in the order to try them,
// from the cache while it is fresh. Concurrent calls for one realm share
// one lookup, each waiting within its own ctx.
func (r *Resolver) Discover(ctx context.Context, realm string) ([]Server, error) {
	realm, err := domain(realm)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNoServer, err)
	}
	e, err := r.get(ctx, query{key: "realm " + realm, what: "no RadSec server found for the realm", attr: "realm", name: realm,
		run: func(ctx context.Context, l *lookup) ([]target, error) { return l.realm(ctx, realm) }})
	if err != nil {
		return nil, err
	}
	return e.servers(), nil
}

// Addrs returns the addresses of host (a home server given by name),
// IPv6 first, cached as Discover's answers are.
func (r *Resolver) Addrs(ctx context.Context, host string) ([]netip.Addr, error) {
	host, err := domain(host)
	if err != nil {
		return nil, fmt.Errorf("discovery: %w", err)
	}
	e, err := r.get(ctx, query{key: "host " + host, what: "a home server's name did not resolve", attr: "host", name: host,
		run: func(ctx context.Context, l *lookup) ([]target, error) {
			addrs, err := l.addrs(ctx, host)
			if err != nil {
				return nil, fmt.Errorf("discovery: %w", err)
			}
			return []target{{name: host, addrs: addrs}}, nil
		}})
	if err != nil {
		return nil, err
	}
	return e.targets[0].addrs, nil
}

// domain is name as a lowercase domain name without the final dot.
func domain(name string) (string, error) {
	name = strings.ToLower(strings.TrimSuffix(name, "."))
	if _, ok := dns.IsDomainName(name); !ok || name == "" {
		return "", fmt.Errorf("%q is not a domain name", name)
	}
	return name, nil
}

// query is one kind of lookup: its cache key, what its failure is
// logged as (a message, and the name under attr), and how it runs.
type query struct {
	key, what, attr, name string
	run                   func(context.Context, *lookup) ([]target, error)
}

// get returns q's cached answer while it is fresh, else waits (within
// ctx) for the one lookup of q in progress, starting it if there is none.
func (r *Resolver) get(ctx context.Context, q query) (*entry, error) {
	r.mu.Lock()
	if e := r.cache[q.key]; e != nil && r.now().Before(e.expires) {
		r.mu.Unlock()
		return e, e.err
	}
	f := r.pending[q.key]
	if f == nil {
		f = &flight{done: make(chan struct{})}
		r.pending[q.key] = f
		go r.resolve(q, f)
	}
	r.mu.Unlock()
	select {
	case <-f.done:
		return f.e, f.e.err
	case <-ctx.Done():
		return nil, fmt.Errorf("discovery: %s: %w", q.name, ctx.Err())
	}
}

// resolve runs q, caches the outcome and hands it to f's waiters.
func (r *Resolver) resolve(q query, f *flight) {
	ctx, cancel := context.WithTimeout(context.Background(), 8*r.cfg.Timeout)
	defer cancel()
	l := &lookup{r: r, ttl: r.cfg.MaxTTL}
	targets, err := q.run(ctx, l)
	e := &entry{targets: targets, err: err}
	if err != nil {
		e.expires = r.now().Add(r.cfg.NegativeTTL)
		r.log.Warn(q.what, q.attr, q.name, "err", err, "retry_after", r.cfg.NegativeTTL)
	} else {
		e.expires = r.now().Add(max(l.ttl, r.cfg.MinTTL))
	}
	r.mu.Lock()
	r.store(q.key, e)
	delete(r.pending, q.key)
	f.e = e
	r.mu.Unlock()
	close(f.done)
}

// store caches e, first evicting expired entries, then any, to stay
// within MaxRealms.
func (r *Resolver) store(realm string, e *entry) {
	if len(r.cache) >= r.cfg.MaxRealms {
		now := r.now()
		for k, old := range r.cache {
			if !now.Before(old.expires) {
				delete(r.cache, k)
			}
		}
		for k := range r.cache {
			if len(r.cache) < r.cfg.MaxRealms {
				break
			}
			delete(r.cache, k)
		}
	}
	r.cache[realm] = e
}

// servers orders the cached targets afresh (SRV weights) and lists
// their addresses.
func (e *entry) servers() []Server {
	var out []Server
	for _, t := range orderTargets(e.targets, randIntn) {
		for _, a := range t.addrs {
			out = append(out, Server{Target: t.name, Addr: netip.AddrPortFrom(a, t.port)})
		}
	}
	return out
}

// Queries counts the DNS queries sent so far.
func (r *Resolver) Queries() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.queries
}
