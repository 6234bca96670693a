package controller

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"time"

	"github.com/wifihk/wifihk/internal/datadir"
)

// demoTLS points the config at a self-signed certificate in the data dir,
// making it on first use, unless a certificate is configured.
func (a *App) demoTLS() error {
	if a.Config.HTTP.TLSCert != "" {
		return nil
	}
	data := datadir.Dir(a.Config.DataDir)
	dir, cert, key := data.DemoTLS(), data.DemoCert(), data.DemoKey()
	if _, err := os.Stat(cert); err != nil {
		if err := writeSelfSigned(dir, cert, key); err != nil {
			return fmt.Errorf("self-signed certificate: %w", err)
		}
	}
	a.Config.HTTP.TLSCert, a.Config.HTTP.TLSKey = cert, key
	return nil
}

func writeSelfSigned(dir, certPath, keyPath string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	serial, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	host, _ := os.Hostname()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "WiFi@HK demo", Organization: []string{"wifihk demo"}},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().AddDate(1, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{"localhost", "wifihk.local", host},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &priv.PublicKey, priv)
	if err != nil {
		return err
	}
	keyDER, err := x509.MarshalECPrivateKey(priv)
	if err != nil {
		return err
	}
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		return err
	}
	return os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
}
