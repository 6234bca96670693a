package cli

import (
	"context"

	"github.com/wifihk/wifihk/visitors"
)

func cmdUserAdd(_ context.Context, e *Env, args []string) error {
	fs := flags(e, "user add")
	var in visitors.AccountInput
	fs.StringVar(&in.Username, "username", "", "the visitor's username")
	fs.StringVar(&in.Password, "password", "", "the visitor's password (8-128 characters)")
	fs.BoolVar(&in.CHAP, "chap", false, "also keep a sealed copy so CHAP works (PAP needs only the hash)")
	fs.StringVar(&in.Org, "org", "", "organisation code whose members-only plans the visitor may use")
	if err := parse(fs, args); err != nil {
		return err
	}
	c, err := visitors.New(e.DB, e.Sealer).AddAccount(in)
	if err != nil {
		return err
	}
	methods := "PAP"
	if c.SecretSealed != "" {
		methods = "PAP, CHAP"
	}
	return e.result(map[string]any{"username": c.Username, "kind": c.Kind, "chap": c.SecretSealed != "", "org": c.Org},
		"added visitor %s (%s)\n", c.Username, methods)
}
