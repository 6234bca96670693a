//go:build !notls

package agent

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"time"
)

// tlsDialer wraps connections to an https controller in TLS 1.2+.
type tlsDialer struct{ cfg *tls.Config }

func newTLS(serverName, caFile string) (*tlsDialer, error) {
	cfg := &tls.Config{ServerName: serverName, MinVersion: tls.VersionTLS12}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("agent: ca_file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("agent: ca_file: no PEM certificate in %s", caFile)
		}
		cfg.RootCAs = pool
	}
	return &tlsDialer{cfg}, nil
}

func (d *tlsDialer) client(ctx context.Context, c net.Conn, timeout time.Duration) (net.Conn, error) {
	tc := tls.Client(c, d.cfg)
	hctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := tc.HandshakeContext(hctx); err != nil {
		c.Close()
		return nil, err
	}
	return tc, nil
}
