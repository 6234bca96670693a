package config

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"time"
)

// RadSec configures RADIUS over TLS (RFC 6614) for NAS and peers that
// present a client certificate registered with their NAS
// (wifihk nas add -cert-issuer … -cert-subject …). Off unless Addr is set.
type RadSec struct {
	// Addr is the TCP listen address, e.g. :2083. Default "" (off).
	Addr string `yaml:"addr"`
	// Cert and Key are the server's certificate chain and private key (PEM).
	Cert string `yaml:"cert"`
	Key  string `yaml:"key"`
	// ClientCA is a PEM file of the CAs that sign NAS certificates.
	ClientCA string `yaml:"client_ca"`
	// IdleTimeout closes a connection silent this long. Default 120s.
	IdleTimeout time.Duration `yaml:"idle_timeout"`
	// MaxConns caps open connections. Default 1024.
	MaxConns int `yaml:"max_conns"`
	// MaxInFlight caps the requests of one connection handled at once.
	// Default 256.
	MaxInFlight int `yaml:"max_in_flight"`
}

// DefaultRadSec is RadSec off, with its limits' defaults.
func DefaultRadSec() RadSec {
	return RadSec{IdleTimeout: 120 * time.Second, MaxConns: 1024, MaxInFlight: 256}
}

func (r RadSec) validate() error {
	if r.Addr == "" {
		return nil
	}
	if _, _, err := net.SplitHostPort(r.Addr); err != nil {
		return fmt.Errorf("config: radius.radsec.addr: %q is not host:port (%v)", r.Addr, err)
	}
	switch {
	case r.Cert == "" || r.Key == "":
		return errors.New("config: radius.radsec.cert and radius.radsec.key: required with radius.radsec.addr")
	case r.ClientCA == "":
		return errors.New("config: radius.radsec.client_ca: required with radius.radsec.addr (NAS are identified by their certificates)")
	case r.IdleTimeout <= 0:
		return fmt.Errorf("config: radius.radsec.idle_timeout: %v must be positive", r.IdleTimeout)
	case r.MaxConns <= 0:
		return fmt.Errorf("config: radius.radsec.max_conns: %d must be positive", r.MaxConns)
	case r.MaxInFlight <= 0 || r.MaxInFlight > 256:
		return fmt.Errorf("config: radius.radsec.max_in_flight: %d must be between 1 and 256", r.MaxInFlight)
	}
	return nil
}

// ProxyRadSec is the proxy's side of RadSec to home servers (realms with
// radsec home servers): our client certificate, and the CAs that verify
// servers whose realm names none of its own. Without a certificate,
// RadSec home servers are unusable (and logged so once).
type ProxyRadSec struct {
	// Cert and Key are our client certificate chain and private key (PEM).
	Cert string `yaml:"cert"`
	Key  string `yaml:"key"`
	// CA is a PEM file of the CAs that sign home servers' certificates
	// (a federation's, say); a realm's own CA takes precedence.
	CA string `yaml:"ca"`
}

// ProxyDNS is how the proxy asks the DNS: for the RadSec servers of
// dynamic realms (RFC 7585) and the addresses of home servers given by
// name.
type ProxyDNS struct {
	// Resolver is the DNS server asked, host:port. Default: the system's
	// (the first nameserver of /etc/resolv.conf).
	Resolver string `yaml:"resolver"`
	// NAPTRService is the S-NAPTR service of dynamic realms' servers.
	// Default "aaa+auth:radius.tls.tcp" (RFC 7585); eduroam's is
	// "x-eduroam:radius.tls".
	NAPTRService string `yaml:"naptr_service"`
	// NegativeTTL is how long a name the DNS does not resolve is
	// remembered so, before the DNS is asked again. Default 60s.
	NegativeTTL time.Duration `yaml:"negative_ttl"`
}

func (p ProxyRadSec) validate() error {
	if (p.Cert == "") != (p.Key == "") {
		return errors.New("config: radius.proxy.radsec.cert and radius.proxy.radsec.key: set both or neither")
	}
	return nil
}

func (d ProxyDNS) validate() error {
	if d.Resolver != "" {
		if _, port, err := net.SplitHostPort(d.Resolver); err != nil || port == "" {
			return fmt.Errorf("config: radius.proxy.dns.resolver: %q is not host:port", d.Resolver)
		}
	}
	if d.NAPTRService != "" && !strings.Contains(d.NAPTRService, ":") {
		return fmt.Errorf("config: radius.proxy.dns.naptr_service: %q is not SERVICE:PROTOCOL", d.NAPTRService)
	}
	if d.NegativeTTL < 0 {
		return fmt.Errorf("config: radius.proxy.dns.negative_ttl: %v is negative", d.NegativeTTL)
	}
	return nil
}
