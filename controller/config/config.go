// Package config loads wifihk's configuration: documented defaults, then an
// optional YAML file, then command-line flags, validated once at start-up.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/mail"
	"net/url"
	"os"
	"reflect"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/wifihk/wifihk/console"
	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/internal/datadir"
	"github.com/wifihk/wifihk/usage"
)

// Config is the whole configuration. Every field has a default (Default).
type Config struct {
	// DataDir holds the database and the key file. Default ./wifihk-data.
	DataDir string `yaml:"data_dir"`
	// LogLevel is debug, info, warn or error. Default info.
	LogLevel string `yaml:"log_level"`
	Store    Store  `yaml:"store"`
	RADIUS   RADIUS `yaml:"radius"`
	HTTP     HTTP   `yaml:"http"`
	// Plan is the access plan used where a NAS has no venue or the venue
	// has no plan. Default: free, 30-minute sessions, 2 a day per device.
	Plan     hotspots.Plan `yaml:"default_plan"`
	Coverage Coverage      `yaml:"coverage"`
	Portal   Portal        `yaml:"portal"`
	// Retention says how long records are kept (retention.go).
	Retention Retention `yaml:"retention"`
	// Usage configures the usage figures and their open data (usage.go).
	Usage Usage `yaml:"usage"`
}

// Store chooses where records live. Default: the data dir's bbolt file.
type Store struct {
	// URL is a PostgreSQL database (postgres://user@host:5432/db), used
	// instead of the data dir's bbolt file; the data dir still holds the
	// journals and master.key, and remembers the URL. Keep the password
	// out of it: in PasswordFile, or in PGPASSFILE (~/.pgpass).
	URL string `yaml:"url"`
	// PasswordFile holds the database password alone (mode 0600), read
	// at start; only its path goes into the URL the data dir remembers
	// (as password_file=…). Default "": none.
	PasswordFile string `yaml:"password_file"`
}

// Conn is the URL to connect with: URL, with PasswordFile as its
// password_file parameter.
func (s Store) Conn() string {
	if s.URL == "" || s.PasswordFile == "" {
		return s.URL
	}
	sep := "?"
	if strings.Contains(s.URL, "?") {
		sep = "&"
	}
	return s.URL + sep + "password_file=" + url.QueryEscape(s.PasswordFile)
}

// RADIUS configures the RADIUS server.
type RADIUS struct {
	// AuthAddr is the authentication listener. Default :1812.
	AuthAddr string `yaml:"auth_addr"`
	// AcctAddr is the accounting listener. Default :1813.
	AcctAddr string `yaml:"acct_addr"`
	// DuplicateWindow is how long a reply is cached for retransmissions
	// (RFC 5080; FreeRADIUS cleanup_delay). Default 5s.
	DuplicateWindow time.Duration `yaml:"duplicate_window"`
	// UnknownLogEvery limits the log line about packets from unknown
	// sources to one per this interval. Default 10s.
	UnknownLogEvery time.Duration `yaml:"unknown_log_every"`
	EAP             EAP           `yaml:"eap"`
	// RadSec is RADIUS over TLS (radsec.go).
	RadSec RadSec `yaml:"radsec"`
	Proxy  Proxy  `yaml:"proxy"`
}

// Proxy configures the proxying of other realms' Access-Requests to
// their home servers (realms are in the registry: wifihk realm add).
type Proxy struct {
	// OperatorName is the RFC 5580 Operator-Name added to what leaves: a
	// namespace digit ('1': a realm) and the operator. Default "1wifi.hk".
	OperatorName string `yaml:"operator_name"`
	// DeadAfter is how many requests in a row a home server may leave
	// unanswered before it is marked dead. Default 3.
	DeadAfter int `yaml:"dead_after"`
	// ProbeInterval is how often a dead or idle home server is sent
	// Status-Server (RFC 5997). Default 10s.
	ProbeInterval time.Duration `yaml:"probe_interval"`
	// RadSec is what the proxy needs for RadSec home servers (radsec.go).
	RadSec ProxyRadSec `yaml:"radsec"`
	// DNS is how it finds dynamic realms' servers and named home
	// servers' addresses (radsec.go).
	DNS ProxyDNS `yaml:"dns"`
}

// EAP configures 802.1X (EAP-TTLS) on the auth listener, for the secure
// SSID. It is off unless a certificate is set (serve -demo makes one).
// TLS session tickets are encrypted under a key derived from master.key,
// so nodes that share it resume each other's tickets.
type EAP struct {
	// Cert is the server certificate chain (PEM) and Key its private key;
	// devices check it against the CA and server name in their profile.
	Cert string `yaml:"cert"`
	Key  string `yaml:"key"`
	// Timeout drops a conversation idle this long. Default 30s.
	Timeout time.Duration `yaml:"timeout"`
	// CA is the CA that issued Cert (PEM), which the portal's onboarding
	// page (/portal/secure) gives devices to trust, with SSID; without CA
	// there is no such page.
	CA   string `yaml:"ca"`
	SSID string `yaml:"ssid"`
}

// HTTP configures the web listener (portal, console, API, open data, metrics).
type HTTP struct {
	// Addr is the listen address. Default :8080.
	Addr string `yaml:"addr"`
	// PublicURL is how visitors reach the portal, e.g. https://wifi.example.hk.
	// Default: derived from each request's Host.
	PublicURL string `yaml:"public_url"`
	// TLSAddr is the HTTPS listen address, used when a certificate is set
	// (or in -demo, with a self-signed one). Default :8443.
	TLSAddr string `yaml:"tls_addr"`
	// TLSCert and TLSKey enable HTTPS when both are set.
	TLSCert string `yaml:"tls_cert"`
	TLSKey  string `yaml:"tls_key"`
	// MaxBodyBytes caps every request body. Default 1 MiB.
	MaxBodyBytes int64 `yaml:"max_body_bytes"`
	// AdminAddr, when set, is a separate listener for the staff routes
	// (console, staff API, /metrics), which Addr and TLSAddr then refuse:
	// a gateway's walled garden lets every visitor reach the portal's
	// host and port. Default "": everything on Addr.
	AdminAddr string `yaml:"admin_addr"`
}

// Portal configures the captive portal.
type Portal struct {
	SMTP SMTP `yaml:"smtp"`
}

// SMTP configures how the portal e-mails sign-up and reset codes. With no
// Addr (the default) every code goes to the outbox file in the data dir;
// with one, codes for e-mail addresses go through this relay and codes for
// mobile numbers still go to the outbox.
type SMTP struct {
	// Addr is the relay's host:port, e.g. smtp.example.hk:587. Default "":
	// no SMTP.
	Addr string `yaml:"addr"`
	// From is the sender, e.g. `"WiFi@HK" <noreply@wifi.example.hk>`.
	// Required with Addr.
	From string `yaml:"from"`
	// Username turns on AUTH PLAIN; its password is read at start from
	// PasswordFile, so that no secret sits in this file or in the logs.
	Username     string `yaml:"username"`
	PasswordFile string `yaml:"password_file"`
	// TLS is starttls (default: fail if the relay does not offer it), tls
	// (implicit TLS, port 465) or none (only to a loopback address).
	TLS string `yaml:"tls"`
	// CAFile is a PEM bundle that verifies the relay's certificate instead
	// of the system's roots, for a private CA. Default "".
	CAFile string `yaml:"ca_file"`
}

// Coverage configures the coverage view.
type Coverage struct {
	// TargetVenuesPerDistrict flags districts with fewer venues. Default 100.
	TargetVenuesPerDistrict int `yaml:"target_venues_per_district"`
	// MapTiles is a tile server drawn under the console's maps, as a
	// template with {z}, {x} and {y}, e.g.
	// https://tile.openstreetmap.org/{z}/{x}/{y}.png; staff browsers
	// fetch the tiles from it. Default "": the district outlines alone.
	MapTiles string `yaml:"map_tiles"`
	// MapAttribution credits the tiles on the map, as their licence asks
	// ("© OpenStreetMap contributors"). Required with MapTiles.
	MapAttribution string `yaml:"map_attribution"`
}

// Tiles is the console's tile server.
func (c Coverage) Tiles() console.Tiles {
	return console.Tiles{URL: c.MapTiles, Attribution: c.MapAttribution}
}

// Default returns the configuration with every default filled in.
func Default() Config {
	return Config{
		DataDir:  datadir.Default,
		LogLevel: "info",
		RADIUS: RADIUS{
			AuthAddr:        ":1812",
			AcctAddr:        ":1813",
			DuplicateWindow: 5 * time.Second,
			UnknownLogEvery: 10 * time.Second,
			EAP:             EAP{Timeout: 30 * time.Second, SSID: "WiFi@HK Secure"},
			RadSec:          DefaultRadSec(),
			Proxy: Proxy{OperatorName: "1wifi.hk", DeadAfter: 3, ProbeInterval: 10 * time.Second,
				DNS: ProxyDNS{NAPTRService: "aaa+auth:radius.tls.tcp", NegativeTTL: time.Minute}},
		},
		HTTP:     HTTP{Addr: ":8080", TLSAddr: ":8443", MaxBodyBytes: 1 << 20},
		Plan:     hotspots.DefaultPlan(),
		Coverage: Coverage{TargetVenuesPerDistrict: 100},
		Portal:   Portal{SMTP: SMTP{TLS: "starttls"}},

		Retention: DefaultRetention(),
		Usage:     Usage{FlushEvery: time.Minute, Publish: true, Privacy: usage.DefaultPrivacy()},
	}
}

// Load returns Default overlaid with the YAML file at path ("" for none).
// Unknown fields are errors, so a typo is not silently ignored.
func Load(path string) (Config, error) {
	c := Default()
	if path == "" {
		return c, nil
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return c, fmt.Errorf("config: %w", err)
	}
	if err := Parse(raw, &c); err != nil {
		return c, fmt.Errorf("config: %s: %w", path, err)
	}
	return c, nil
}

// Parse overlays c with the YAML document raw. An error names the line
// and the full key of the first bad setting ("line 4:
// radius.duplicate_window: ..."); a syntax error names yaml's line.
func Parse(raw []byte, c *Config) error {
	var doc yaml.Node
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return err
	}
	if len(doc.Content) == 0 {
		return nil // empty, or only comments
	}
	root := resolve(doc.Content[0])
	if root.Kind != yaml.MappingNode {
		if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
			return nil
		}
		return fmt.Errorf("line %d: expected settings (key: value), not %s", root.Line, describe(root))
	}
	if err := checkKeys(root, reflect.TypeOf(*c), ""); err != nil {
		return err
	}
	// What the walk does not judge (a key given twice, merge keys) the
	// decoder does, naming its line.
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	return nil
}

// Validate names the first field that is wrong.
func (c Config) Validate() error {
	if c.DataDir == "" {
		return errors.New("config: data_dir: required")
	}
	if u := c.Store.URL; u != "" && !strings.HasPrefix(u, "postgres://") && !strings.HasPrefix(u, "postgresql://") {
		return errors.New("config: store.url: not a postgres:// URL")
	}
	if c.Store.PasswordFile != "" && c.Store.URL == "" {
		return errors.New("config: store.password_file: set store.url too")
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("config: log_level: %q is not debug, info, warn or error", c.LogLevel)
	}
	for _, a := range []struct{ name, v string }{
		{"radius.auth_addr", c.RADIUS.AuthAddr},
		{"radius.acct_addr", c.RADIUS.AcctAddr},
		{"http.addr", c.HTTP.Addr},
		{"http.tls_addr", c.HTTP.TLSAddr},
	} {
		if _, _, err := net.SplitHostPort(a.v); err != nil {
			return fmt.Errorf("config: %s: %q is not host:port (%v)", a.name, a.v, err)
		}
	}
	if c.RADIUS.DuplicateWindow <= 0 || c.RADIUS.DuplicateWindow > time.Minute {
		return fmt.Errorf("config: radius.duplicate_window: %v must be between 0 and 1m", c.RADIUS.DuplicateWindow)
	}
	if c.RADIUS.UnknownLogEvery <= 0 {
		return fmt.Errorf("config: radius.unknown_log_every: must be positive")
	}
	if a := c.HTTP.AdminAddr; a != "" {
		_, port, err := net.SplitHostPort(a)
		if err != nil {
			return fmt.Errorf("config: http.admin_addr: %q is not host:port (%v)", a, err)
		}
		if port != "0" && (a == c.HTTP.Addr || a == c.HTTP.TLSAddr) {
			return fmt.Errorf("config: http.admin_addr: %q is also the portal's listener", a)
		}
	}
	if (c.RADIUS.EAP.Cert == "") != (c.RADIUS.EAP.Key == "") {
		return errors.New("config: radius.eap.cert and radius.eap.key: set both or neither")
	}
	if c.RADIUS.EAP.Timeout <= 0 || c.RADIUS.EAP.Timeout > 10*time.Minute {
		return fmt.Errorf("config: radius.eap.timeout: %v must be between 0 and 10m", c.RADIUS.EAP.Timeout)
	}
	if p := c.RADIUS.Proxy; len(p.OperatorName) < 2 || len(p.OperatorName) > 253 || p.OperatorName[0] < '0' || p.OperatorName[0] > '3' {
		return fmt.Errorf("config: radius.proxy.operator_name: %q must be a namespace digit 0-3 and a name (RFC 5580), like \"1wifi.hk\"", p.OperatorName)
	}
	if p := c.RADIUS.Proxy; p.DeadAfter < 1 || p.DeadAfter > 100 || p.ProbeInterval < 100*time.Millisecond || p.ProbeInterval > 10*time.Minute {
		return fmt.Errorf("config: radius.proxy: dead_after must be 1-100 and probe_interval 100ms-10m")
	}
	if (c.HTTP.TLSCert == "") != (c.HTTP.TLSKey == "") {
		return errors.New("config: http.tls_cert and http.tls_key: set both or neither")
	}
	if c.HTTP.MaxBodyBytes < 1024 {
		return fmt.Errorf("config: http.max_body_bytes: %d is under 1024", c.HTTP.MaxBodyBytes)
	}
	if err := c.Plan.Validate(); err != nil {
		return fmt.Errorf("config: default_plan: %w", err)
	}
	if c.Coverage.TargetVenuesPerDistrict < 0 {
		return errors.New("config: coverage.target_venues_per_district: must not be negative")
	}
	if err := c.Coverage.Tiles().Check(); err != nil {
		return fmt.Errorf("config: coverage.map_tiles: %w", err)
	}
	if err := c.RADIUS.RadSec.validate(); err != nil {
		return err
	}
	if err := c.RADIUS.Proxy.RadSec.validate(); err != nil {
		return err
	}
	if err := c.RADIUS.Proxy.DNS.validate(); err != nil {
		return err
	}
	if err := c.Retention.validate(); err != nil {
		return err
	}
	if err := c.Usage.validate(); err != nil {
		return err
	}
	return c.Portal.SMTP.validate()
}

func (s SMTP) validate() error {
	switch s.TLS {
	case "starttls", "tls", "none":
	default:
		return fmt.Errorf("config: portal.smtp.tls: %q is not starttls, tls or none", s.TLS)
	}
	if s.Addr == "" {
		return nil
	}
	host, port, err := net.SplitHostPort(s.Addr)
	if err != nil || host == "" || port == "" {
		return fmt.Errorf("config: portal.smtp.addr: %q is not host:port", s.Addr)
	}
	if s.TLS == "none" && !loopback(host) {
		return fmt.Errorf("config: portal.smtp.tls: none is only allowed to a loopback address, not %q", host)
	}
	if strings.ContainsAny(s.From, "\r\n") {
		return errors.New("config: portal.smtp.from: contains a line break")
	}
	if _, err := mail.ParseAddress(s.From); err != nil {
		return fmt.Errorf("config: portal.smtp.from: %q is not an e-mail address (%v)", s.From, err)
	}
	if (s.Username == "") != (s.PasswordFile == "") {
		return errors.New("config: portal.smtp.username and portal.smtp.password_file: set both or neither")
	}
	return nil
}

// loopback is portal.IsLoopbackHost, which this package does not import.
func loopback(host string) bool {
	ip := net.ParseIP(host)
	return strings.EqualFold(host, "localhost") || ip != nil && ip.IsLoopback()
}
