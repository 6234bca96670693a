package radsec

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/radius"
)

// HomeDialer dials the home servers of realm routes, for
// radius.ProxyConfig.Dial: RadSec ones over TLS with their realm's
// client certificate or else ours, the others over UDP
// (radius.DialHomeUDP).
type HomeDialer struct {
	// Cert is our client certificate, for the RadSec home servers of
	// realms that have none of their own.
	Cert *tls.Certificate
	// CAs verify the servers whose realm names no CA of its own; nil
	// leaves such servers unusable (never the system's roots).
	CAs *x509.CertPool
	Log *slog.Logger
}

// ErrNoClientCert means a RadSec home server was configured but neither
// its realm nor the proxy has a client certificate to present.
var ErrNoClientCert = errors.New("radsec: home server: neither its realm nor the proxy has a client certificate (wifihk realm update -client-cert, or radius.proxy.radsec.cert and key)")

// Dial returns the transport to s. A RadSec client presents s.ClientCert
// (else d.Cert), checks the server's certificate against s.CA (else
// d.CAs) and s.ServerName (else its IP address; a server discovered in
// the DNS must name its realm as NAIRealm instead, RFC 7585 §2.2), and
// waits s.Timeout × (1 + s.Retries)
// for an answer, as long as UDP's tries take: TCP delivers, so nothing is
// sent twice.
func (d *HomeDialer) Dial(s hotspots.RouteServer) (radius.Exchanger, error) {
	if s.Transport != hotspots.TransportRadSec {
		return radius.DialHomeUDP(s)
	}
	cert := s.ClientCert
	if cert == nil {
		cert = d.Cert
	}
	if cert == nil {
		return nil, ErrNoClientCert
	}
	roots := d.CAs
	if s.CA != "" {
		roots = x509.NewCertPool()
		if !roots.AppendCertsFromPEM([]byte(s.CA)) {
			return nil, fmt.Errorf("radsec: home server %s: its CA holds no PEM certificate", s.Address)
		}
	}
	if roots == nil {
		return nil, fmt.Errorf("radsec: home server %s: no CA to verify it (the realm's, or radius.proxy.radsec.ca)", s.Address)
	}
	name := s.ServerName
	if name == "" {
		name = s.Address.Addr().String()
	}
	wait := s.Timeout * time.Duration(1+s.Retries)
	cfg := ClientConfig{
		Addr:    s.Address.String(),
		TLS:     &tls.Config{Certificates: []tls.Certificate{*cert}, RootCAs: roots, ServerName: name},
		Timeout: wait, DialTimeout: wait, Log: d.Log,
	}
	if s.NAIRealm != "" {
		cfg.VerifyName = discoveredName(s.NAIRealm, name)
	}
	return NewClient(cfg)
}
