package hotspots

import (
	"crypto/tls"
	"fmt"
	"net/netip"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/wifihk/wifihk/internal/store"
)

// AddRealm registers a realm and its home servers. A realm's name is
// unique across organisations: one realm goes to one place.
func (r *Registry) AddRealm(in RealmInput) (Realm, error) {
	rl, err := in.validate()
	if err != nil {
		return Realm{}, err
	}
	r.sealServers(&rl, in, nil)
	if err := r.setClientCert(&rl, in, nil); err != nil {
		return Realm{}, err
	}
	rl.Created = r.now().UTC()
	err = r.db.Update(func(tx *store.Tx) error {
		if !tx.Has(store.Orgs, rl.Org) {
			return fieldErr("org", "no organisation %q", rl.Org)
		}
		if err := tx.Insert(store.Realms, rl.Name, rl); err != nil {
			return fmt.Errorf("%w: realm %q", ErrExists, rl.Name)
		}
		return nil
	})
	if err != nil {
		return Realm{}, err
	}
	return rl, r.reloadRealms()
}

// ListRealms returns the realms of org ("" for every organisation's), by
// name.
func (r *Registry) ListRealms(org string) ([]Realm, error) {
	var out []Realm
	err := r.db.View(func(tx *store.Tx) (err error) {
		out, err = store.List(tx, store.Realms, store.Query[Realm]{Keep: func(rl *Realm) bool {
			return org == "" || rl.Org == org
		}})
		return err
	})
	return out, err
}

// RemoveRealm removes a realm of org ("" for any organisation's); another
// organisation's realm is not found.
func (r *Registry) RemoveRealm(org, name string) error {
	if _, n, err := ParseRealmName(name); err == nil {
		name = n
	}
	err := r.db.Update(func(tx *store.Tx) error {
		var rl Realm
		if err := tx.Get(store.Realms, name, &rl); err != nil || (org != "" && rl.Org != org) {
			return fmt.Errorf("%w: realm %q", ErrNotFound, name)
		}
		return tx.Delete(store.Realms, name)
	})
	if err != nil {
		return err
	}
	return r.reloadRealms()
}

// Route is where a realm's requests go: nowhere (Local) or a pool of home
// servers with their secrets opened.
type Route struct {
	Realm       string // the matching realm's name
	Org         string
	Local       bool
	ForwardAcct bool
	NoStrip     bool // User-Name leaves with its realm
	Servers     []RouteServer
	// Discovery is set for a dynamic realm (no Servers): what each
	// RadSec server found in the DNS for it gets (transport, secret,
	// CA, timeout, retries), its address and name filled in then.
	Discovery *RouteServer
}

// RouteServer is a home server with its secret.
type RouteServer struct {
	// Address is where it is; for a server given by name, only its port
	// until the proxy has looked Host up.
	Address   netip.AddrPort
	Host      string
	AcctPort  uint16
	Transport string
	Secret    string
	Timeout   time.Duration
	Retries   int
	// RadSec: the PEM of the CAs for its certificate ("": the
	// proxy's default) and the name it must carry ("": its address).
	CA, ServerName string
	// NAIRealm is set on a server discovered for a realm (RFC 7585): its
	// certificate must carry that realm (SubjectAltName:otherName:NAIRealm,
	// §2.2); ServerName is then the SRV target, sent as SNI only.
	NAIRealm string
	// ClientCert is the realm's own RadSec client certificate (nil: the
	// proxy's). The same certificate and key keep the same pointer
	// across reloads, so a server changes only when they do.
	ClientCert *tls.Certificate
}

// realmIndex is the realm table in memory, matched on every Access-Request.
type realmIndex struct {
	exact  map[string]*Route
	suffix []suffixRoute // longest first
	regex  []regexRoute  // by name
	def    *Route
	certs  map[certKey]*tls.Certificate // the realms' client certificates
}

type suffixRoute struct {
	suffix string // ".example.edu"
	route  *Route
}

type regexRoute struct {
	re    *regexp.Regexp
	route *Route
}

// RouteRealm finds where requests of realm (lowercase, from RealmOf) go:
// an exact realm first, then the longest suffix, then the regular
// expressions by name, then DEFAULT. ok is false when none matches (the
// request is handled here) and for a User-Name without a realm.
func (r *Registry) RouteRealm(realm string) (Route, bool) {
	idx := r.realms.Load()
	if realm == "" || idx == nil {
		return Route{}, false
	}
	if rt := idx.exact[realm]; rt != nil {
		return *rt, true
	}
	for _, s := range idx.suffix {
		if strings.HasSuffix(realm, s.suffix) {
			return *s.route, true
		}
	}
	for _, x := range idx.regex {
		if x.re.MatchString(realm) {
			return *x.route, true
		}
	}
	if idx.def != nil {
		return *idx.def, true
	}
	return Route{}, false
}

func (r *Registry) reloadRealms() error {
	r.realmMu.Lock()
	defer r.realmMu.Unlock()
	all, err := r.ListRealms("")
	if err != nil {
		return err
	}
	var prev map[certKey]*tls.Certificate
	if old := r.realms.Load(); old != nil {
		prev = old.certs
	}
	idx := &realmIndex{exact: map[string]*Route{}, certs: map[certKey]*tls.Certificate{}}
	for _, rl := range all {
		rt := &Route{Realm: rl.Name, Org: rl.Org, Local: rl.Local, ForwardAcct: rl.ForwardAcct, NoStrip: rl.NoStrip}
		cert, err := r.routeCert(rl, prev, idx.certs)
		if err != nil {
			return err
		}
		if d := rl.Discovery; d != nil {
			rt.Discovery = &RouteServer{Transport: TransportRadSec, Secret: RadSecSecret, CA: d.CA,
				Timeout: time.Duration(d.TimeoutMS) * time.Millisecond, Retries: d.Retries, ClientCert: cert}
		}
		for _, hs := range rl.Servers {
			sec, err := r.sealer.Open(hs.SecretSealed)
			if err != nil {
				return fmt.Errorf("hotspots: realm %s: home server %s secret: %w", rl.Name, hs.Where(), err)
			}
			addr := hs.Address
			if hs.Host != "" {
				addr = netip.AddrPortFrom(netip.Addr{}, hs.Port)
			}
			rs := RouteServer{Address: addr, Host: hs.Host, AcctPort: hs.AcctPort,
				Transport: hs.Transport, Secret: sec, Timeout: hs.Timeout(), Retries: hs.Retries, CA: hs.CA, ServerName: hs.ServerName}
			if hs.Transport == TransportRadSec {
				rs.ClientCert = cert
			}
			rt.Servers = append(rt.Servers, rs)
		}
		switch rl.Kind {
		case RealmExact:
			idx.exact[rl.Name] = rt
		case RealmSuffix:
			idx.suffix = append(idx.suffix, suffixRoute{rl.Name[1:], rt})
		case RealmRegex:
			re, err := regexp.Compile(rl.Name[1:])
			if err != nil {
				return fmt.Errorf("hotspots: realm %s: %w", rl.Name, err)
			}
			idx.regex = append(idx.regex, regexRoute{re, rt})
		case RealmDefault:
			idx.def = rt
		}
	}
	sort.SliceStable(idx.suffix, func(i, j int) bool { return len(idx.suffix[i].suffix) > len(idx.suffix[j].suffix) })
	r.realms.Store(idx)
	return nil
}
