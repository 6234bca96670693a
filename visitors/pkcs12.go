package visitors

import (
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/base32"
	"encoding/pem"
	"fmt"
	"strings"

	"software.sslmate.com/src/go-pkcs12"
)

// PKCS12 packs the certificate, its key and the organisation's CA into a
// PKCS#12 file, the form phones and laptops install, encrypted under a
// new random password that it returns with the file. Nothing keeps
// either: whoever hands the file over shows the password once.
//
// The file uses 3DES and an HMAC-SHA-1 MAC (OpenSSL's -descert, go-pkcs12's
// LegacyDES): older iOS, macOS, Android and Windows releases refuse the
// AES format of OpenSSL 3. Its weak key derivation matters little with
// a password of 80 random bits.
func (ic IssuedCert) PKCS12() (file []byte, password string, err error) {
	pair, err := tls.X509KeyPair(ic.CertPEM, ic.KeyPEM)
	if err != nil {
		return nil, "", fmt.Errorf("visitors: PKCS#12: %w", err)
	}
	leaf, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		return nil, "", fmt.Errorf("visitors: PKCS#12: %w", err)
	}
	b, _ := pem.Decode(ic.CAPEM)
	if b == nil {
		return nil, "", fmt.Errorf("visitors: PKCS#12: the CA is not PEM")
	}
	ca, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		return nil, "", fmt.Errorf("visitors: PKCS#12: CA: %w", err)
	}
	password = oneTimePassword()
	file, err = pkcs12.LegacyDES.Encode(pair.PrivateKey, leaf, []*x509.Certificate{ca}, password)
	if err != nil {
		return nil, "", fmt.Errorf("visitors: PKCS#12: %w", err)
	}
	return file, password, nil
}

// oneTimePassword is 80 random bits as 16 lower-case letters and digits
// (no 0 or 1, so nothing reads as O or l) in groups of four, which a
// person types on a phone.
func oneTimePassword() string {
	b := make([]byte, 10)
	rand.Read(b)
	s := strings.ToLower(base32.StdEncoding.EncodeToString(b))
	return s[0:4] + "-" + s[4:8] + "-" + s[8:12] + "-" + s[12:16]
}
