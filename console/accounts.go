package console

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gorilla/mux"

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
	// CanChange: the principal may disable and delete this account.
	CanChange bool
	Sessions  []sessionRow
	Import    *visitors.AccountImport
	DryRun    bool
	MaxRows   int
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
	cred, err := c.readableAccount(v, name)
	switch {
	case errors.Is(err, errNotFound):
		return "accounts"
	case err != nil:
		return c.fail(v, err)
	}
	return c.showAccount(v, d, cred)
}

// readableAccount is the visitor account name if the principal may see
// it, else errNotFound: other organisations' accounts, and for operators
// the accounts of no organisation (signed up on the portal).
func (c *Console) readableAccount(v *view, name string) (visitors.Credential, error) {
	cred, err := c.cfg.Accounts.Get(name)
	switch {
	case errors.Is(err, visitors.ErrUnknown):
		return cred, errNotFound
	case err != nil:
		return cred, err
	case cred.Kind != visitors.KindAccount || !v.User.CanReadOwned(cred.Org):
		return visitors.Credential{}, errNotFound
	}
	return cred, nil
}

// showAccount fills the page with an account and its newest sessions.
func (c *Console) showAccount(v *view, d *accountsData, cred visitors.Credential) string {
	d.Account, d.Searched, d.Q = &cred, true, cred.Username
	d.CanChange = d.CanWrite && v.User.CanWrite(cred.Org)
	if c.cfg.Sessions == nil {
		return "accounts"
	}
	venues, err := c.nasVenues()
	if err != nil {
		return c.fail(v, err)
	}
	ss, err := c.cfg.Sessions.NewestWhere(func(s *accounting.Session) bool {
		return s.Username == cred.Username && v.Sees(venues[s.NAS].Org())
	}, accountSessionsShown)
	if err != nil {
		return c.fail(v, err)
	}
	for _, s := range ss {
		d.Sessions = append(d.Sessions, sessionRow{Session: s, Venue: venues[s.NAS]})
	}
	return "accounts"
}

// accountAction disables, enables or (once confirmed) deletes a visitor
// account of the principal's organisation, and shows what is left.
func (c *Console) accountAction(w http.ResponseWriter, r *http.Request, v *view) string {
	d := c.newAccountsData(v)
	if d.Off {
		return c.fail(v, errNotFound)
	}
	action := mux.Vars(r)["action"]
	cred, err := c.readableAccount(v, r.PostFormValue("username"))
	if err != nil {
		return c.fail(v, err)
	}
	if !d.CanWrite || !v.User.CanWrite(cred.Org) {
		return c.fail(v, errForbidden)
	}
	switch action {
	case "delete":
		if !confirmed(r, v, confirmation{Action: c.cfg.Base + "/accounts/delete", Fields: map[string]string{"username": cred.Username},
			Question: v.T("acc_delete_q", cred.Username), Detail: v.T("acc_delete_detail"), Button: v.T("acc_delete"),
			Cancel: c.cfg.Base + "/accounts?q=" + url.QueryEscape(cred.Username)}) {
			return "confirm"
		}
		if err := c.cfg.Accounts.DeleteAccount(cred.Username); err != nil {
			return c.fail(v, err)
		}
		c.audit(*v.User, "account.delete", cred.Username, cred.Org, "")
		v.Notice = v.T("acc_deleted", cred.Username)
		return "accounts"
	default:
		if cred, err = c.cfg.Accounts.SetAccountDisabled(cred.Username, action == "disable"); err != nil {
			return c.fail(v, err)
		}
		c.audit(*v.User, "account."+action, cred.Username, cred.Org, "")
		v.Notice = v.T("acc_done_"+action, cred.Username)
		return c.showAccount(v, d, cred)
	}
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
