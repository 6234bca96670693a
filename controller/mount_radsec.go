package controller

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os"

	"github.com/wifihk/wifihk/radius"
	"github.com/wifihk/wifihk/radius/discovery"
	"github.com/wifihk/wifihk/radius/radsec"
)

// mountRadSec builds the RadSec listener in front of the auth and acct
// servers when radius.radsec.addr is set.
func (a *App) mountRadSec(auth, acct *radius.Server) error {
	c := a.Config.RADIUS.RadSec
	if c.Addr == "" {
		return nil
	}
	cert, err := tls.LoadX509KeyPair(c.Cert, c.Key)
	if err != nil {
		return fmt.Errorf("server: radius.radsec.cert/key: %w", err)
	}
	pool, err := loadCAs("radius.radsec.client_ca", c.ClientCA)
	if err != nil {
		return err
	}
	srv, err := radsec.NewServer(radsec.ServerConfig{
		TLS: &tls.Config{Certificates: []tls.Certificate{cert}, ClientCAs: pool},
		NAS: a.Registry, Auth: auth, Acct: acct, Metrics: radsec.NewMetrics(a.Metrics), Log: a.Log,
		IdleTimeout: c.IdleTimeout, MaxConns: c.MaxConns, MaxInFlight: c.MaxInFlight,
	})
	if err != nil {
		return err
	}
	a.coaStream = srv
	a.onStart(func(ctx context.Context) (func(context.Context) error, error) {
		ln, err := net.Listen("tcp", c.Addr)
		if err != nil {
			return nil, fmt.Errorf("server: radius radsec: %w", err)
		}
		a.RadSecAddr = ln.Addr()
		go func() {
			if err := srv.Serve(ln); err != nil && err != radius.ErrServerClosed {
				a.Log.Error("radsec listener stopped", "err", err)
			}
		}()
		return srv.Shutdown, nil
	})
	return nil
}

// homeDialer is the proxy's transport to home servers: UDP, and RadSec
// with radius.proxy.radsec's client certificate and CAs when set.
func (a *App) homeDialer() (*radsec.HomeDialer, error) {
	c := a.Config.RADIUS.Proxy.RadSec
	d := &radsec.HomeDialer{Log: a.Log}
	if c.Cert != "" {
		cert, err := tls.LoadX509KeyPair(c.Cert, c.Key)
		if err != nil {
			return nil, fmt.Errorf("server: radius.proxy.radsec.cert/key: %w", err)
		}
		d.Cert = &cert
	}
	if c.CA != "" {
		pool, err := loadCAs("radius.proxy.radsec.ca", c.CA)
		if err != nil {
			return nil, err
		}
		d.CAs = pool
	}
	return d, nil
}

// proxyDNS is the proxy's resolver, through radius.proxy.dns.resolver,
// else the system's: for dynamic realms' RadSec servers (RFC 7585) and
// named home servers' addresses. With neither (no /etc/resolv.conf) it
// is nil, and says here once that those will be rejected.
func (a *App) proxyDNS() *discovery.Resolver {
	c := a.Config.RADIUS.Proxy.DNS
	d, err := discovery.New(discovery.Config{Resolver: c.Resolver, Service: c.NAPTRService, NegativeTTL: c.NegativeTTL, Log: a.Log})
	if err != nil {
		a.Log.Warn("dynamic realms and home servers given by name will be rejected: no DNS resolver (radius.proxy.dns.resolver)", "err", err)
		return nil
	}
	return d
}

// loadCAs reads a PEM file of CA certificates named by config field.
func loadCAs(field, path string) (*x509.CertPool, error) {
	pemCAs, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("server: %s: %w", field, err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemCAs) {
		return nil, fmt.Errorf("server: %s: %s holds no PEM certificate", field, path)
	}
	return pool, nil
}

// CoAStream carries Disconnect and CoA to NAS connected over RadSec; nil
// without radius.radsec.addr.
func (a *App) CoAStream() radius.CoAStream { return a.coaStream }
