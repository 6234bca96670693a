package controller

import (
	"errors"

	"github.com/wifihk/wifihk/visitors"
)

// demoVisitors seeds the visitor demo/demo1234, with CHAP enabled so both
// PAP and CHAP logins can be tried.
func (a *App) demoVisitors() error {
	v := visitors.New(a.DB, a.Sealer)
	if _, err := v.Get("demo"); err == nil {
		return nil // seeded: spare hashing the password again
	}
	_, err := v.AddAccount(visitors.AccountInput{
		Username: "demo", Password: "demo1234", CHAP: true,
	})
	if errors.Is(err, visitors.ErrExists) {
		return nil
	}
	return err
}
