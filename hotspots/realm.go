package hotspots

import (
	"cmp"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"regexp"
	"strconv"
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

// Home-server transports.
const (
	TransportUDP    = "udp"
	TransportRadSec = "radsec" // RADIUS over TLS (RFC 6614)
)

// RadSecPort is RadSec's port (RFC 6614 §2.1), the default for a RadSec
// home server given without one.
const RadSecPort = 2083

// RadSecSecret is the shared secret inside RadSec (RFC 6614 §2.3).
const RadSecSecret = "radsec"

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
	ForwardAcct bool `json:"forward_accounting,omitempty"`
	// NoStrip sends User-Name to the home servers as the visitor gave it.
	// By default the realm is stripped ("alice@operator.example" goes as
	// "alice"), as FreeRADIUS does unless a realm says nostrip; EAP
	// requests keep theirs either way (see radius.Proxy).
	NoStrip bool         `json:"nostrip,omitempty"`
	Servers []HomeServer `json:"servers,omitempty"` // in failover order
	// Discovery, when set, makes the realm dynamic: its RadSec servers
	// are found in the DNS for each visitor's realm (RFC 7585), not
	// listed.
	Discovery *Discovery `json:"discovery,omitempty"`
	// ClientCert is the PEM chain the proxy presents to the realm's
	// RadSec servers, listed or discovered, in place of its own
	// (radius.proxy.radsec.cert): the identity a federation issued.
	// ClientKeySealed is its private key, sealed; never shown.
	ClientCert      string    `json:"client_cert,omitempty"`
	ClientKeySealed string    `json:"client_key_sealed,omitempty"`
	Created         time.Time `json:"created"`
}

// Discovery is how a dynamic realm uses the RadSec servers the DNS
// names: the CAs that must sign their certificates (PEM; "": the
// proxy's default, radius.proxy.radsec.ca), and each one's timeout and
// retries.
type Discovery struct {
	CA        string `json:"ca,omitempty"`
	TimeoutMS int    `json:"timeout_ms"`
	Retries   int    `json:"retries"`
}

// HomeServer is one server of a realm's pool.
type HomeServer struct {
	Address netip.AddrPort `json:"address"` // its authentication port, unless given by name
	// Host is the server's DNS name when it was given by name; Address
	// is then empty and Port the authentication port. Its addresses are
	// looked up when it is used, and kept for their TTL.
	Host         string `json:"host,omitempty"`
	Port         uint16 `json:"port,omitempty"`
	AcctPort     uint16 `json:"acct_port,omitempty"`
	Transport    string `json:"transport"`
	SecretSealed string `json:"secret_sealed"`
	// RadSec only: CA is the PEM of the CAs that may sign the server's
	// certificate ("": the proxy's default, radius.proxy.radsec.ca), and
	// ServerName the name its certificate must carry ("": its IP
	// address).
	CA         string `json:"ca,omitempty"`
	ServerName string `json:"server_name,omitempty"`
	// TimeoutMS is how long one try waits for an answer; Retries is how
	// many times a request is sent again before the next server is tried.
	TimeoutMS int `json:"timeout_ms"`
	Retries   int `json:"retries"`
}

// CASubjects names the CAs of a RadSec home server's CA field, by their
// subjects' common names (or whole subjects), for display.
func (h HomeServer) CASubjects() []string {
	var out []string
	for rest := []byte(h.CA); ; {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			return out
		}
		if c, err := x509.ParseCertificate(b.Bytes); err == nil {
			out = append(out, cmp.Or(c.Subject.CommonName, c.Subject.String()))
		}
	}
}

// Where is the server as given: IP:PORT, or HOST:PORT when named.
func (h HomeServer) Where() string {
	if h.Host != "" {
		return net.JoinHostPort(h.Host, strconv.Itoa(int(h.Port)))
	}
	return h.Address.String()
}

// Timeout is the per-try timeout.
func (h HomeServer) Timeout() time.Duration { return time.Duration(h.TimeoutMS) * time.Millisecond }

// RealmInput is what adding a realm takes.
type RealmInput struct {
	Name        string
	Org         string
	Local       bool
	ForwardAcct bool
	NoStrip     bool
	Servers     []HomeServerInput
	// Discovery makes the realm dynamic (its servers from the DNS, RFC
	// 7585); it then has no Servers.
	Discovery *DiscoveryInput
	// ClientCert and ClientKey (PEM) are the realm's own RadSec client
	// certificate and key. An edit that gives neither keeps the realm's,
	// and one that gives the certificate alone keeps its key;
	// DropClientCert removes it (the proxy's is presented again).
	ClientCert, ClientKey string
	DropClientCert        bool
}

// DiscoveryInput is what a dynamic realm takes: the PEM of the CAs for
// its servers' certificates ("" for the proxy's default), and each
// server's timeout (default 3s) and retries.
type DiscoveryInput struct {
	CA      string
	Timeout time.Duration
	Retries int
}

// HomeServerInput is one home server as given.
type HomeServerInput struct {
	Address   string        // IP:PORT or HOST:PORT of its authentication port; RadSec: IP or HOST[:PORT], default port 2083
	AcctPort  int           // UDP: 0 for the authentication port + 1; RadSec: the same connection
	Transport string        // "" or "udp", or "radsec"
	Secret    string        // RadSec: "" or "radsec"
	Timeout   time.Duration // default 3s
	Retries   int           // resends to this server before the next; 0: none
	// RadSec only: the PEM of the CAs that sign its certificate (""
	// for the proxy's default) and the name it must carry ("" for its
	// IP address).
	CA         string
	ServerName string
}

// Limits of realm input.
const (
	maxRealmName   = 253
	maxRealmRegex  = 256
	maxHomeServers = 8
	maxCAPEM       = 64 << 10
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
	if in.Discovery != nil {
		return in.validateDynamic(name, kind)
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
	rl := Realm{Name: name, Kind: kind, Org: in.Org, Local: in.Local, ForwardAcct: in.ForwardAcct, NoStrip: in.NoStrip}
	seen := map[string]bool{}
	for i, s := range in.Servers {
		hs, err := s.validate()
		if err != nil {
			return Realm{}, fieldErr(fmt.Sprintf("servers[%d].%s", i, err.field), "%s", err.msg)
		}
		if seen[hs.Where()] {
			return Realm{}, fieldErr(fmt.Sprintf("servers[%d].address", i), "%s is listed twice", hs.Where())
		}
		seen[hs.Where()] = true
		rl.Servers = append(rl.Servers, hs)
	}
	return rl, nil
}

// validateDynamic checks a dynamic realm: nothing listed, a CA when
// given, and the timeout and retries its servers get.
func (in RealmInput) validateDynamic(name, kind string) (Realm, error) {
	d := in.Discovery
	switch {
	case in.Local:
		return Realm{}, fieldErr("discovery", "a local realm is answered here: it discovers nothing")
	case len(in.Servers) > 0:
		return Realm{}, fieldErr("servers", "a dynamic realm finds its servers in the DNS: list none")
	}
	hs, e := HomeServerInput{Timeout: d.Timeout, Retries: d.Retries}.common(netip.AddrPort{})
	if e != nil {
		return Realm{}, fieldErr("discovery."+e.field, "%s", e.msg)
	}
	if d.CA != "" {
		if err := CheckCAPEM(d.CA); err != nil {
			return Realm{}, fieldErr("discovery.ca", "%v", err)
		}
	}
	return Realm{Name: name, Kind: kind, Org: in.Org, ForwardAcct: in.ForwardAcct, NoStrip: in.NoStrip,
		Discovery: &Discovery{CA: d.CA, TimeoutMS: hs.TimeoutMS, Retries: hs.Retries}}, nil
}

type serverErr struct{ field, msg string }

// validate checks a home server; the secret is sealed by the caller.
func (s HomeServerInput) validate() (HomeServer, *serverErr) {
	switch s.Transport {
	case "", TransportUDP:
		return s.validateUDP()
	case TransportRadSec:
		return s.validateRadSec()
	}
	return HomeServer{}, &serverErr{"transport", fmt.Sprintf("%q is not udp or radsec", s.Transport)}
}

func (s HomeServerInput) validateUDP() (HomeServer, *serverErr) {
	ap, host, ok := parseServerAddr(s.Address, 0)
	if !ok {
		return HomeServer{}, &serverErr{"address", fmt.Sprintf("%q is not IP:PORT or HOST:PORT", s.Address)}
	}
	hs, e := s.common(ap)
	switch {
	case e != nil:
		return hs, e
	case s.CA != "" || s.ServerName != "":
		return hs, &serverErr{"transport", "a CA and server name are for radsec home servers"}
	case len(s.Secret) < 6 || len(s.Secret) > 128:
		return hs, &serverErr{"secret", "must be 6-128 characters"}
	case s.AcctPort < 0 || s.AcctPort > 65535:
		return hs, &serverErr{"acct_port", fmt.Sprintf("%d is not a port", s.AcctPort)}
	}
	hs.Transport = TransportUDP
	hs.AcctPort = uint16(s.AcctPort)
	if hs.AcctPort == 0 && ap.Port() < 65535 {
		hs.AcctPort = ap.Port() + 1
	}
	return hs.named(host), nil
}

// validateRadSec checks a RadSec home server: accounting shares its
// connection, its secret is "radsec", and its CA, when given, is PEM.
func (s HomeServerInput) validateRadSec() (HomeServer, *serverErr) {
	ap, host, ok := parseServerAddr(s.Address, RadSecPort)
	if !ok {
		return HomeServer{}, &serverErr{"address", fmt.Sprintf("%q is not IP, HOST, IP:PORT or HOST:PORT", s.Address)}
	}
	hs, e := s.common(ap)
	switch {
	case e != nil:
		return hs, e
	case s.Secret != "" && s.Secret != RadSecSecret:
		return hs, &serverErr{"secret", `RadSec's shared secret is "radsec" (RFC 6614 §2.3): leave it out`}
	case s.AcctPort != 0 && s.AcctPort != int(ap.Port()):
		return hs, &serverErr{"acct_port", "RadSec carries accounting on the same connection: leave it out"}
	}
	if s.CA != "" {
		if err := CheckCAPEM(s.CA); err != nil {
			return hs, &serverErr{"ca", err.Error()}
		}
	}
	if s.ServerName != "" {
		name, err := checkServerName(s.ServerName)
		if err != nil {
			return hs, &serverErr{"server_name", err.Error()}
		}
		hs.ServerName = name
	}
	hs.Transport, hs.AcctPort, hs.CA = TransportRadSec, ap.Port(), s.CA
	return hs.named(host), nil
}

// parseServerAddr reads IP:PORT or HOST:PORT, or with a default port
// also IP or HOST; for a host name the address is empty but for its port.
func parseServerAddr(s string, defPort uint16) (netip.AddrPort, string, bool) {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap, "", ap.Port() != 0 && ap.Addr().Zone() == ""
	}
	host, portText, err := net.SplitHostPort(s)
	if err != nil {
		if defPort == 0 {
			return netip.AddrPort{}, "", false
		}
		host, portText = s, strconv.Itoa(int(defPort))
	}
	port, err := strconv.ParseUint(portText, 10, 16)
	if err != nil || port == 0 {
		return netip.AddrPort{}, "", false
	}
	if a, err := netip.ParseAddr(host); err == nil {
		return netip.AddrPortFrom(a, uint16(port)), "", a.Zone() == ""
	}
	name, err := checkServerName(host)
	if err != nil || !strings.Contains(name, ".") {
		return netip.AddrPort{}, "", false
	}
	return netip.AddrPortFrom(netip.Addr{}, uint16(port)), name, true
}

// named records host as the server's name, its port apart.
func (hs HomeServer) named(host string) HomeServer {
	if host != "" {
		hs.Host, hs.Port, hs.Address = host, hs.Address.Port(), netip.AddrPort{}
	}
	return hs
}

// common checks what every transport shares.
func (s HomeServerInput) common(ap netip.AddrPort) (HomeServer, *serverErr) {
	ap = netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	hs := HomeServer{Address: ap, TimeoutMS: int(s.Timeout / time.Millisecond), Retries: s.Retries}
	switch {
	case s.Timeout != 0 && (s.Timeout < 10*time.Millisecond || s.Timeout > 60*time.Second):
		return hs, &serverErr{"timeout", fmt.Sprintf("%v is outside 10ms-60s", s.Timeout)}
	case s.Retries < 0 || s.Retries > 10:
		return hs, &serverErr{"retries", fmt.Sprintf("%d is outside 0-10", s.Retries)}
	}
	if hs.TimeoutMS == 0 {
		hs.TimeoutMS = 3000
	}
	return hs, nil
}

// CheckCAPEM checks that pemText holds only PEM certificates, at least
// one, each of them a CA's, in at most 64 KiB.
func CheckCAPEM(pemText string) error {
	if len(pemText) > maxCAPEM {
		return fmt.Errorf("over %d bytes", maxCAPEM)
	}
	rest, n := []byte(pemText), 0
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			return fmt.Errorf("a PEM %q block: only CERTIFICATE blocks belong here", b.Type)
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return fmt.Errorf("certificate %d: %v", n+1, err)
		}
		if !c.IsCA {
			return fmt.Errorf("certificate %d (%s) is not a CA", n+1, c.Subject.CommonName)
		}
		n++
	}
	if n == 0 || strings.TrimSpace(string(rest)) != "" {
		return errors.New("not PEM certificates")
	}
	return nil
}

// checkServerName checks the name a RadSec server's certificate must
// carry: a DNS name or an IP address.
func checkServerName(s string) (string, error) {
	if a, err := netip.ParseAddr(s); err == nil && a.Zone() == "" {
		return a.String(), nil
	}
	d := strings.ToLower(s)
	if d == "" || len(d) > maxRealmName {
		return "", fmt.Errorf("%q is not a DNS name or IP address", s)
	}
	for _, l := range strings.Split(d, ".") {
		if !realmLabelRE.MatchString(l) {
			return "", fmt.Errorf("%q is not a DNS name or IP address", s)
		}
	}
	return d, nil
}
