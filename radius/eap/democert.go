package eap

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"time"
)

// DemoPKI is a demo CA and a server certificate it signed, as PEM files.
type DemoPKI struct {
	CA, Cert, Key string // paths
	ServerName    string
}

// WriteDemoPKI makes, in dir, an ECDSA P-256 CA and a server certificate
// for serverName, unless they are already there. Devices must be told to
// trust the CA and to check the name.
func WriteDemoPKI(dir, serverName string) (DemoPKI, error) {
	d := DemoPKI{CA: filepath.Join(dir, "eap-ca.pem"), Cert: filepath.Join(dir, "eap-server.pem"),
		Key: filepath.Join(dir, "eap-server.key"), ServerName: serverName}
	if _, err := os.Stat(d.Key); err == nil {
		return d, nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return d, fmt.Errorf("eap: demo PKI: %w", err)
	}
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return d, err
	}
	now := time.Now()
	ca := &x509.Certificate{
		SerialNumber: serial(), Subject: pkix.Name{CommonName: "WiFi@HK demo EAP CA", Organization: []string{"wifihk demo"}},
		NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(5, 0, 0),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		return d, err
	}
	srvKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return d, err
	}
	leaf := &x509.Certificate{
		SerialNumber: serial(), Subject: pkix.Name{CommonName: serverName, Organization: []string{"wifihk demo"}},
		NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(2, 0, 0), DNSNames: []string{serverName},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	caCert, _ := x509.ParseCertificate(caDER)
	leafDER, err := x509.CreateCertificate(rand.Reader, leaf, caCert, &srvKey.PublicKey, caKey)
	if err != nil {
		return d, err
	}
	keyDER, err := x509.MarshalECPrivateKey(srvKey)
	if err != nil {
		return d, err
	}
	for _, f := range []struct {
		path, typ string
		der       []byte
		mode      os.FileMode
	}{{d.CA, "CERTIFICATE", caDER, 0o644}, {d.Cert, "CERTIFICATE", leafDER, 0o644}, {d.Key, "EC PRIVATE KEY", keyDER, 0o600}} {
		if err := os.WriteFile(f.path, pem.EncodeToMemory(&pem.Block{Type: f.typ, Bytes: f.der}), f.mode); err != nil {
			return d, fmt.Errorf("eap: demo PKI: %w", err)
		}
	}
	return d, nil
}

func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	return n
}
