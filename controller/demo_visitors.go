package controller

import (
	"errors"

	"github.com/wifihk/wifihk/visitors"
)

// demoVisitors seeds the visitor demo/demo1234, with CHAP enabled so both
// PAP and CHAP logins can be tried.
func (a *App) demoVisitors() error {
	_, err := visitors.New(a.DB, a.Sealer).AddAccount(visitors.AccountInput{
		Username: "demo", Password: "demo1234", CHAP: true,
	})
	if errors.Is(err, visitors.ErrExists) {
		return nil
	}
	return err
}
