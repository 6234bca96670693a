package eapload_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wifihk/wifihk/bench/eapload"
	"github.com/wifihk/wifihk/controller"
	"github.com/wifihk/wifihk/controller/config"
	"github.com/wifihk/wifihk/controller/controllertest"
	"github.com/wifihk/wifihk/radius/eap"
	"github.com/wifihk/wifihk/visitors"
)

// The load tool against a real demo server: every method and mode is
// accepted, resumed runs resume, and an unknown user is counted as a
// reject.
func TestLoadToolAgainstDemo(t *testing.T) {
	var pki eap.DemoPKI
	a := controllertest.Start(t, controllertest.Options{Demo: true, Configure: func(c *config.Config) {
		var err error
		if pki, _, err = controller.DemoEAP(c); err != nil {
			t.Fatal(err)
		}
	}})
	for _, tc := range []struct {
		method, tls string
		resume      bool
	}{ // the first resumes: its unmeasured first conversation pays for the argon2id check
		{"ttls", "1.3", true}, {"ttls", "1.2", false}, {"peap", "1.2", true}, {"peap", "1.3", false}} {
		res, err := eapload.Run(context.Background(), eapload.Config{Server: a.AuthAddr.String(), Secret: "testing123",
			Concurrency: 2, Duration: 300 * time.Millisecond, Method: tc.method, TLS: tc.tls, Resume: tc.resume,
			CAFile: pki.CA, ServerName: pki.ServerName, Timeout: 15 * time.Second}) // a busy machine
		if err != nil {
			t.Fatal(err)
		}
		if res.Accepted == 0 || res.Failed+res.Rejected != 0 || (tc.resume && res.Resumed != res.Accepted) {
			t.Errorf("%+v: %s", tc, res)
		}
	}
	// EAP-TLS with a certificate of the demo organisation's CA.
	vis := visitors.New(a.DB, a.Sealer)
	if _, err := vis.AddAccount(visitors.AccountInput{Username: "member", Password: "member-pw-1", Org: "demo"}); err != nil {
		t.Fatal(err)
	}
	ic, err := vis.IssueClientCert("demo", "member", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cert, key := filepath.Join(dir, "c.crt"), filepath.Join(dir, "c.key")
	os.WriteFile(cert, ic.CertPEM, 0o600)
	os.WriteFile(key, ic.KeyPEM, 0o600)
	for _, resume := range []bool{false, true} {
		res, err := eapload.Run(context.Background(), eapload.Config{Server: a.AuthAddr.String(), Secret: "testing123",
			Concurrency: 2, Duration: 300 * time.Millisecond, Method: "tls", CertFile: cert, KeyFile: key, Resume: resume,
			CAFile: pki.CA, ServerName: pki.ServerName, Timeout: 15 * time.Second})
		if err != nil || res.Accepted == 0 || res.Failed+res.Rejected != 0 || (resume && res.Resumed != res.Accepted) {
			t.Errorf("EAP-TLS resume=%v: %s, %v", resume, res, err)
		}
	}
	res, err := eapload.Run(context.Background(), eapload.Config{Server: a.AuthAddr.String(), Secret: "testing123",
		Concurrency: 1, Duration: 500 * time.Millisecond, Timeout: 15 * time.Second, Password: "x", Username: "nobody"})
	if err != nil || res.Rejected == 0 || res.Accepted != 0 || !strings.Contains(res.String(), "rejected") {
		t.Errorf("unknown user: %s, %v", res, err)
	}
}
