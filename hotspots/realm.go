package hotspots

import (
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"strings"
	"time"
)

// How a realm's name matches the realm of a User-Name ("user@realm").
const (
	RealmExact   = "exact"   // "operator.example": that realm only
	RealmSuffix  = "suffix"  // "*.example.edu": any realm ending in ".example.edu"
	RealmRegex   = "regex"   // "~^(staff|students)\.example\.org$": Go regular expression
	RealmDefault = "default" // "DEFAULT": every realm no other entry matches
)

// Home-server transports. RadSec plugs in beside UDP.
const (
	TransportUDP = "udp"
)

// Realm routes the visitors of one realm to the pool of home servers that
// authenticate them, as eduroam's proxies do; an organisation owns it.
// A local realm is the brand's own: its visitors are authenticated here.
type Realm struct {
	Name string `json:"name"` // as written: "operator.example", "*.example.edu", "~regex", "DEFAULT"
	Kind string `json:"kind"`
	Org  string `json:"org"`
	// Local realms are answered here, as visitors without a realm are.
	Local bool `json:"local,omitempty"`
	// ForwardAcct also sends accounting to the home servers; by default
	// accounting is answered and recorded here (RFC 7593).
	ForwardAcct bool         `json:"forward_accounting,omitempty"`
	Servers     []HomeServer `json:"servers,omitempty"` // in failover order
	Created     time.Time    `json:"created"`
}

// HomeServer is one server of a realm's pool.
type HomeServer struct {
	Address      netip.AddrPort `json:"address"` // its authentication port
	AcctPort     uint16         `json:"acct_port,omitempty"`
	Transport    string         `json:"transport"`
	SecretSealed string         `json:"secret_sealed"`
	// TimeoutMS is how long one try waits for an answer; Retries is how
	// many times a request is sent again before the next server is tried.
	TimeoutMS int `json:"timeout_ms"`
	Retries   int `json:"retries"`
}

// Timeout is the per-try timeout.
func (h HomeServer) Timeout() time.Duration { return time.Duration(h.TimeoutMS) * time.Millisecond }

// RealmInput is what adding a realm takes.
type RealmInput struct {
	Name        string
	Org         string
	Local       bool
	ForwardAcct bool
	Servers     []HomeServerInput
}

// HomeServerInput is one home server as given.
type HomeServerInput struct {
	Address   string // IP:PORT of its authentication port
	AcctPort  int    // 0: the authentication port + 1
	Transport string // "" or "udp"
	Secret    string
	Timeout   time.Duration // default 3s
	Retries   int           // resends to this server before the next; 0: none
}

// Limits of realm input.
const (
	maxRealmName   = 253
	maxRealmRegex  = 256
	maxHomeServers = 8
)

var (
	// ErrRealmName means a realm name is not a realm, suffix, regular
	// expression or DEFAULT.
	ErrRealmName = errors.New("hotspots: invalid realm name")
	realmLabelRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
)

// ParseRealmName checks a realm's name and returns its kind and its
// canonical form (lowercase; DEFAULT as is). Realms are domain names
// (RFC 7542 §2.2): dot-separated labels of letters, digits and hyphens.
func ParseRealmName(s string) (kind, name string, err error) {
	switch {
	case s == "DEFAULT":
		return RealmDefault, s, nil
	case strings.HasPrefix(s, "~"):
		expr := s[1:]
		if expr == "" || len(expr) > maxRealmRegex {
			return "", "", fmt.Errorf("%w: a regular expression after ~ must be 1-%d bytes", ErrRealmName, maxRealmRegex)
		}
		if _, err := regexp.Compile(expr); err != nil {
			return "", "", fmt.Errorf("%w: %q: %v", ErrRealmName, expr, err)
		}
		return RealmRegex, s, nil
	case strings.HasPrefix(s, "*."):
		d, err := checkDomain(s[2:])
		if err != nil {
			return "", "", err
		}
		return RealmSuffix, "*." + d, nil
	}
	d, err := checkDomain(s)
	if err != nil {
		return "", "", err
	}
	return RealmExact, d, nil
}

func checkDomain(s string) (string, error) {
	if s == "" || len(s) > maxRealmName {
		return "", fmt.Errorf("%w: %q must be a domain name of 1-%d bytes, *.DOMAIN, ~REGEX or DEFAULT", ErrRealmName, s, maxRealmName)
	}
	d := strings.ToLower(s)
	for _, l := range strings.Split(d, ".") {
		if !realmLabelRE.MatchString(l) {
			return "", fmt.Errorf("%w: %q: label %q must be 1-63 letters, digits or inner hyphens", ErrRealmName, s, l)
		}
	}
	return d, nil
}

// RealmOf returns the realm of a User-Name, lowercased: what follows its
// last '@' (RFC 7542 §2.2), or "" when it has none.
func RealmOf(username string) string {
	i := strings.LastIndexByte(username, '@')
	if i < 0 {
		return ""
	}
	return strings.ToLower(username[i+1:])
}

func (in RealmInput) validate() (Realm, error) {
	kind, name, err := ParseRealmName(in.Name)
	if err != nil {
		return Realm{}, fieldErr("name", "%v", err)
	}
	if !ValidOrgCode(in.Org) {
		return Realm{}, fieldErr("org", "%q is not an organisation code", in.Org)
	}
	switch {
	case in.Local && len(in.Servers) > 0:
		return Realm{}, fieldErr("servers", "a local realm has no home servers")
	case in.Local && in.ForwardAcct:
		return Realm{}, fieldErr("forward_accounting", "a local realm forwards nothing")
	case !in.Local && len(in.Servers) == 0:
		return Realm{}, fieldErr("servers", "a realm needs at least one home server, or local")
	case len(in.Servers) > maxHomeServers:
		return Realm{}, fieldErr("servers", "at most %d home servers", maxHomeServers)
	}
	rl := Realm{Name: name, Kind: kind, Org: in.Org, Local: in.Local, ForwardAcct: in.ForwardAcct}
	seen := map[netip.AddrPort]bool{}
	for i, s := range in.Servers {
		hs, err := s.validate()
		if err != nil {
			return Realm{}, fieldErr(fmt.Sprintf("servers[%d].%s", i, err.field), "%s", err.msg)
		}
		if seen[hs.Address] {
			return Realm{}, fieldErr(fmt.Sprintf("servers[%d].address", i), "%s is listed twice", hs.Address)
		}
		seen[hs.Address] = true
		rl.Servers = append(rl.Servers, hs)
	}
	return rl, nil
}

type serverErr struct{ field, msg string }

// validate checks a home server; the secret is sealed by the caller.
func (s HomeServerInput) validate() (HomeServer, *serverErr) {
	ap, err := netip.ParseAddrPort(s.Address)
	if err != nil || ap.Port() == 0 {
		return HomeServer{}, &serverErr{"address", fmt.Sprintf("%q is not IP:PORT", s.Address)}
	}
	ap = netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	hs := HomeServer{Address: ap, Transport: s.Transport, TimeoutMS: int(s.Timeout / time.Millisecond), Retries: s.Retries}
	switch {
	case s.Transport != "" && s.Transport != TransportUDP:
		return hs, &serverErr{"transport", fmt.Sprintf("%q is not udp", s.Transport)}
	case len(s.Secret) < 6 || len(s.Secret) > 128:
		return hs, &serverErr{"secret", "must be 6-128 characters"}
	case s.Timeout != 0 && (s.Timeout < 10*time.Millisecond || s.Timeout > 60*time.Second):
		return hs, &serverErr{"timeout", fmt.Sprintf("%v is outside 10ms-60s", s.Timeout)}
	case s.Retries < 0 || s.Retries > 10:
		return hs, &serverErr{"retries", fmt.Sprintf("%d is outside 0-10", s.Retries)}
	case s.AcctPort < 0 || s.AcctPort > 65535:
		return hs, &serverErr{"acct_port", fmt.Sprintf("%d is not a port", s.AcctPort)}
	}
	if hs.Transport == "" {
		hs.Transport = TransportUDP
	}
	if hs.TimeoutMS == 0 {
		hs.TimeoutMS = 3000
	}
	hs.AcctPort = uint16(s.AcctPort)
	if hs.AcctPort == 0 && ap.Port() < 65535 {
		hs.AcctPort = ap.Port() + 1
	}
	return hs, nil
}
