package console

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/wifihk/wifihk/accounting"
	"github.com/wifihk/wifihk/visitors"
)

// accountSessionsShown is how many of an account's newest sessions the
// lookup shows.
const accountSessionsShown = 20

type accountsData struct {
	Off      bool
	CanWrite bool
	Q        string
	Searched bool
	Account  *visitors.Credential
	Sessions []sessionRow
	Import   *visitors.AccountImport
	DryRun   bool
	MaxRows  int
}

func (c *Console) newAccountsData(v *view) *accountsData {
	d := &accountsData{Off: c.cfg.Accounts == nil, CanWrite: mayManage(v), MaxRows: visitors.MaxImportRows}
	v.Title, v.Section, v.Data = v.T("acc_title"), "accounts", d
	return d
}

// accountsPage finds one visitor account by its name, e-mail or mobile
// number, with its newest sessions in the principal's scope. There is no
// list of every visitor: staff look up the one they are helping.
func (c *Console) accountsPage(w http.ResponseWriter, r *http.Request, v *view) string {
	d := c.newAccountsData(v)
	d.Q = strings.TrimSpace(r.URL.Query().Get("q"))
	if d.Off || d.Q == "" {
		return "accounts"
	}
	d.Searched = true
	name, err := visitors.SignInName(d.Q)
	if err != nil {
		v.Status, v.Error = http.StatusBadRequest, v.T("acc_bad_q")
		return "accounts"
	}
	cred, err := c.cfg.Accounts.Get(name)
	switch {
	case errors.Is(err, visitors.ErrUnknown):
		return "accounts"
	case err != nil:
		return c.fail(v, err)
	}
	if cred.Kind != visitors.KindAccount || !v.User.CanReadOwned(cred.Org) {
		return "accounts" // not found, as far as this principal knows
	}
	d.Account = &cred
	if c.cfg.Sessions == nil {
		return "accounts"
	}
	venues, err := c.nasVenues()
	if err != nil {
		return c.fail(v, err)
	}
	ss, err := c.cfg.Sessions.NewestWhere(func(s *accounting.Session) bool {
		return s.Username == name && v.Sees(venues[s.NAS].Org())
	}, accountSessionsShown)
	if err != nil {
		return c.fail(v, err)
	}
	for _, s := range ss {
		d.Sessions = append(d.Sessions, sessionRow{Session: s, Venue: venues[s.NAS]})
	}
	return "accounts"
}

// accountsImport checks, and unless asked for a dry run adds, the
// accounts of an uploaded CSV, for the principal's organisation.
func (c *Console) accountsImport(w http.ResponseWriter, r *http.Request, v *view) string {
	d := c.newAccountsData(v)
	if d.Off {
		return c.fail(v, errNotFound)
	}
	if !d.CanWrite {
		return c.fail(v, errForbidden)
	}
	d.DryRun = r.PostFormValue("dry_run") != ""
	f, _, err := r.FormFile("file")
	if err != nil {
		v.Status, v.Error = http.StatusUnprocessableEntity, v.T("acc_no_file")
		return "accounts"
	}
	defer f.Close()
	res, err := c.cfg.Accounts.ImportAccounts(f, v.User.Scope(), r.PostFormValue("chap") != "", d.DryRun)
	if err != nil {
		v.Status, v.Error = http.StatusUnprocessableEntity, v.T("acc_file_bad", strings.TrimPrefix(err.Error(), "visitors: import: "))
		return "accounts"
	}
	d.Import = &res
	if !d.DryRun {
		c.audit(*v.User, "account.import", strconv.Itoa(res.Added)+" added", v.User.Scope(),
			strconv.Itoa(len(res.Rejected))+" rejected")
	}
	if len(res.Rejected) > 0 {
		v.Status = http.StatusUnprocessableEntity
	}
	return "accounts"
}
