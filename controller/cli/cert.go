package cli

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/wifihk/wifihk/visitors"
)

// EAP-TLS client certificates: wifihk cert issue, revoke, list.

func cmdCertIssue(_ context.Context, e *Env, args []string) error {
	fs := flags(e, "cert issue")
	org := fs.String("org", "", "organisation code whose CA issues the certificate")
	user := fs.String("username", "", "the account (a member of -org) the certificate signs in")
	valid := fs.Duration("valid", 365*24*time.Hour, "how long the certificate is valid")
	out := fs.String("out", "", "write OUT.crt, OUT.key (mode 0600) and OUT-ca.crt")
	p12 := fs.Bool("p12", false, "also write OUT.p12 (PKCS#12: certificate, key and CA) under a new password printed once")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return fmt.Errorf("cert issue: -out: required")
	}
	if _, err := e.Registry.Org(*org); err != nil {
		return fmt.Errorf("cert issue: -org: %w", err)
	}
	ic, err := visitors.New(e.DB, e.Sealer).IssueClientCert(*org, *user, *valid)
	if err != nil {
		return err
	}
	for _, f := range []struct {
		suffix string
		data   []byte
	}{{".key", ic.KeyPEM}, {".crt", ic.CertPEM}, {"-ca.crt", ic.CAPEM}} {
		if err := os.WriteFile(*out+f.suffix, f.data, 0o600); err != nil {
			return fmt.Errorf("cert issue: %w", err)
		}
	}
	res := map[string]any{"org": ic.Org, "serial": ic.Serial, "username": ic.Username, "not_after": ic.NotAfter,
		"cert": *out + ".crt", "key": *out + ".key", "ca": *out + "-ca.crt"}
	text := fmt.Sprintf("issued %s's certificate %s for %s, valid until %s: %s.crt, %s.key, CA %s-ca.crt\n",
		ic.Org, ic.Serial, ic.Username, ic.NotAfter.Format("2006-01-02"), *out, *out, *out)
	if *p12 {
		file, pw, err := ic.PKCS12()
		if err == nil {
			err = os.WriteFile(*out+".p12", file, 0o600)
		}
		if err != nil {
			return fmt.Errorf("cert issue: %w", err)
		}
		res["p12"], res["p12_password"] = *out+".p12", pw
		text += fmt.Sprintf("PKCS#12 file %s.p12, password (shown once) %s\n", *out, pw)
	}
	return e.result(res, "%s", text)
}

func cmdCertRevoke(_ context.Context, e *Env, args []string) error {
	fs := flags(e, "cert revoke")
	org := fs.String("org", "", "organisation code")
	serial := fs.String("serial", "", "the certificate's serial number (hex, from cert list)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := visitors.New(e.DB, e.Sealer).RevokeClientCert(*org, *serial); err != nil {
		return err
	}
	return e.result(map[string]any{"org": *org, "serial": strings.ToLower(*serial), "revoked": true},
		"revoked %s's certificate %s\n", *org, strings.ToLower(*serial))
}

func cmdCertList(_ context.Context, e *Env, args []string) error {
	fs := flags(e, "cert list")
	org := fs.String("org", "", "organisation code")
	if err := parse(fs, args); err != nil {
		return err
	}
	certs, err := visitors.New(e.DB, e.Sealer).ClientCerts(*org)
	if err != nil {
		return err
	}
	var b strings.Builder
	for _, c := range certs {
		state := "valid until " + c.NotAfter.Format("2006-01-02")
		if !c.Revoked.IsZero() {
			state = "revoked " + c.Revoked.Format("2006-01-02 15:04")
		}
		fmt.Fprintf(&b, "%s  %-20s  %s\n", c.Serial, c.Username, state)
	}
	return e.result(map[string]any{"org": *org, "certs": certs}, "%s", b.String())
}
