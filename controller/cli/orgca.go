package cli

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/wifihk/wifihk/visitors"
	"github.com/wifihk/wifihk/visitors/orgpki"
)

// An organisation's own CAs for EAP-TLS: wifihk cert ca import, list,
// remove, crl.

func cmdCAImport(_ context.Context, e *Env, args []string) error {
	fs := flags(e, "cert ca import")
	org := fs.String("org", "", "organisation code whose visitors the CA's certificates sign in")
	field := fs.String("identity", "", "the certificate field that names the account: upn, email or cn")
	domain := fs.String("domain", "", "the domain the field's value must end in (@DOMAIN)")
	strip := fs.Bool("strip-domain", false, "the account is the value without @DOMAIN")
	if err := parse(fs, args); err != nil {
		return err
	}
	data, err := oneFile(fs.Args(), "cert ca import")
	if err != nil {
		return err
	}
	if _, err := e.Registry.Org(*org); err != nil {
		return fmt.Errorf("cert ca import: -org: %w", err)
	}
	ca, err := visitors.New(e.DB, e.Sealer).ImportCA(*org, data, orgpki.Rule{Field: orgpki.Field(*field), Domain: *domain, Strip: *strip})
	if err != nil {
		return err
	}
	return e.result(ca, "imported %s's CA %s (%s), valid until %s; identity: %s\n",
		ca.Org, ca.ShortID(), ca.Subject, ca.NotAfter.Format(time.DateOnly), ca.Identity)
}

// oneFile reads the one FILE argument of a command.
func oneFile(args []string, cmd string) ([]byte, error) {
	if len(args) != 1 {
		return nil, fmt.Errorf("%s: FILE: one file required", cmd)
	}
	data, err := os.ReadFile(args[0])
	if err != nil {
		return nil, fmt.Errorf("%s: %w", cmd, err)
	}
	return data, nil
}

func cmdCAList(_ context.Context, e *Env, args []string) error {
	fs := flags(e, "cert ca list")
	org := fs.String("org", "", "organisation code")
	if err := parse(fs, args); err != nil {
		return err
	}
	cas, err := visitors.New(e.DB, e.Sealer).ImportedCAs(*org)
	if err != nil {
		return err
	}
	var b strings.Builder
	now := time.Now()
	for _, ca := range cas {
		fmt.Fprintf(&b, "%s  %s  until %s  identity %s  %s\n", ca.ShortID(), ca.Subject, ca.NotAfter.Format(time.DateOnly), ca.Identity, crlState(ca.CRL, now))
	}
	if cas == nil {
		cas = []visitors.ImportedCA{}
	}
	return e.result(map[string]any{"org": *org, "cas": cas}, "%s", b.String())
}

// crlState is how a list shows an imported CA's CRL.
func crlState(c *visitors.CRLInfo, now time.Time) string {
	switch {
	case c == nil:
		return "no CRL"
	case c.Stale(now):
		return fmt.Sprintf("CRL STALE since %s: every certificate refused", c.NextUpdate.Format(time.RFC3339))
	}
	return fmt.Sprintf("CRL of %s, %d revoked, next update %s", c.ThisUpdate.Format(time.DateOnly), c.Revoked, c.NextUpdate.Format(time.RFC3339))
}

func cmdCARemove(_ context.Context, e *Env, args []string) error {
	fs := flags(e, "cert ca remove")
	org := fs.String("org", "", "organisation code")
	id := fs.String("id", "", "the CA's id (its 16-digit short form from cert ca list will do)")
	if err := parse(fs, args); err != nil {
		return err
	}
	ca, err := visitors.New(e.DB, e.Sealer).RemoveImportedCA(*org, *id)
	if err != nil {
		return err
	}
	return e.result(map[string]any{"org": ca.Org, "id": ca.ID, "removed": true}, "removed %s's CA %s (%s)\n", ca.Org, ca.ShortID(), ca.Subject)
}

func cmdCACRL(_ context.Context, e *Env, args []string) error {
	fs := flags(e, "cert ca crl")
	org := fs.String("org", "", "organisation code")
	id := fs.String("id", "", "the CA's id (its 16-digit short form from cert ca list will do)")
	if err := parse(fs, args); err != nil {
		return err
	}
	data, err := oneFile(fs.Args(), "cert ca crl")
	if err != nil {
		return err
	}
	ca, err := visitors.New(e.DB, e.Sealer).SetCRL(*org, *id, data)
	if err != nil {
		return err
	}
	return e.result(ca, "%s's CA %s: %s\n", ca.Org, ca.ShortID(), crlState(ca.CRL, time.Now()))
}
