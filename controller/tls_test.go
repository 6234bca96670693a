package controller_test

import (
	"crypto/tls"
	"net/http"
	"testing"
)

// TestHTTPSIsIntermediateProfileWithHSTS: HTTPS offers Mozilla's
// "intermediate" profile (no TLS 1.1, no CBC-SHA1 suites) and answers with
// HSTS; plain HTTP answers carry no HSTS (issue 12, defect 14).
func TestHTTPSIsIntermediateProfileWithHSTS(t *testing.T) {
	a := startDemo(t)
	addr := a.HTTPSAddr.String()
	for name, tc := range map[string]struct {
		cfg *tls.Config
		ok  bool
	}{
		"TLS 1.3":               {&tls.Config{MinVersion: tls.VersionTLS13}, true},
		"TLS 1.2 ECDHE AES-GCM": {&tls.Config{MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}}, true},
		"TLS 1.2 CBC-SHA1":      {&tls.Config{MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA}}, false},
		"TLS 1.1":               {&tls.Config{MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11}, false},
	} {
		tc.cfg.InsecureSkipVerify = true
		c, err := tls.Dial("tcp", addr, tc.cfg)
		if err == nil {
			c.Close()
		}
		if (err == nil) != tc.ok {
			t.Errorf("%s: handshake error %v, want success %v", name, err, tc.ok)
		}
	}
	insecure := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	res, err := insecure.Get("https://" + addr + "/portal")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if got := res.Header.Get("Strict-Transport-Security"); got != "max-age=31536000" {
		t.Errorf("HTTPS Strict-Transport-Security %q", got)
	}
	res, err = http.Get("http://" + a.HTTPAddr.String() + "/portal")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if got := res.Header.Get("Strict-Transport-Security"); got != "" {
		t.Errorf("plain HTTP carries Strict-Transport-Security %q", got)
	}
}
