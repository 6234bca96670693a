package console

import (
	"encoding/base64"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/visitors"
)

// ClientCerts issues, lists and revokes the EAP-TLS client certificates
// of an organisation's accounts; *visitors.Store implements it.
type ClientCerts interface {
	IssueClientCert(org, username string, valid time.Duration) (visitors.IssuedCert, error)
	RevokeClientCert(org, serial string) error
	ClientCerts(org string) ([]visitors.ClientCert, error)
}

type certsData struct {
	Off      bool
	Org      string         // whose certificates; "" until network-wide staff choose
	Orgs     []hotspots.Org // the choice, for network-wide staff
	CanWrite bool           // may issue and revoke Org's certificates
	Certs    []visitors.ClientCert
	Username string // the issue form
	Days     string
	Issued   *issuedP12 // the answer to an issue: shown this once
	CAsOn    bool       // the organisation's own CAs can be managed here
	CAs      []caRow    // Org's own CAs (certcas.go)
	CAForm   caForm     // the CA import form
}

// issuedP12 is a new certificate handed over as a PKCS#12 file inside
// the page (a data: link), with its one-time password. The server keeps
// neither.
type issuedP12 struct {
	visitors.ClientCert
	Password string
	Href     template.URL
	FileName string
}

// certValidDays bounds a certificate's validity in the form.
const certValidDays = 3650

// certOrg is the organisation a certificates page is about: an
// organisation's staff get their own (another asked for is not found),
// network-wide staff the one they ask for, which must exist.
func (c *Console) certOrg(v *view, asked string) (string, error) {
	if scope := v.User.Scope(); scope != "" {
		if asked != "" && asked != scope {
			return "", errNotFound
		}
		return scope, nil
	}
	if asked == "" {
		return "", nil
	}
	if _, err := c.reg.Org(asked); err != nil {
		return "", errNotFound
	}
	return asked, nil
}

// newCertsData fills the page's frame for org, with its list.
func (c *Console) newCertsData(v *view, org string) (*certsData, error) {
	d := &certsData{Off: c.cfg.Certs == nil, Org: org, Days: "365", CAForm: caForm{Identity: "upn"}}
	v.Title, v.Section, v.Data = v.T("certs_title"), "certs", d
	if d.Off {
		return d, nil
	}
	var err error
	if v.User.Scope() == "" {
		if d.Orgs, err = c.reg.ListOrgs(); err != nil {
			return d, err
		}
	}
	if org == "" {
		return d, nil
	}
	d.CanWrite = v.User.CanWrite(org) && mayManage(v)
	if d.Certs, err = c.cfg.Certs.ClientCerts(org); err != nil {
		return d, err
	}
	if d.CAsOn = c.cfg.CAs != nil; d.CAsOn {
		err = c.importedCAs(d, org)
	}
	return d, err
}

// certsPage lists an organisation's certificates, with the issue form.
func (c *Console) certsPage(w http.ResponseWriter, r *http.Request, v *view) string {
	org, err := c.certOrg(v, r.URL.Query().Get("org"))
	if err != nil {
		return c.fail(v, err)
	}
	if _, err := c.newCertsData(v, org); err != nil {
		return c.fail(v, err)
	}
	return "certs"
}

// certIssue issues a certificate for one of the organisation's accounts
// and answers it as a PKCS#12 file with its password, on this page only.
func (c *Console) certIssue(w http.ResponseWriter, r *http.Request, v *view) string {
	if c.cfg.Certs == nil {
		return c.fail(v, errNotFound)
	}
	org, err := c.certOrg(v, r.PostFormValue("org"))
	if err != nil || org == "" {
		return c.fail(v, errNotFound)
	}
	if !v.User.CanWrite(org) || !mayManage(v) {
		return c.fail(v, errForbidden)
	}
	username, days := strings.TrimSpace(r.PostFormValue("username")), strings.TrimSpace(r.PostFormValue("valid_days"))
	n, err := strconv.Atoi(days)
	if err != nil || n < 1 || n > certValidDays {
		return c.refuseCert(v, org, username, days, v.T("certs_bad_days", certValidDays))
	}
	ic, err := c.cfg.Certs.IssueClientCert(org, username, time.Duration(n)*24*time.Hour)
	switch {
	case errors.Is(err, visitors.ErrUnknown), errors.Is(err, visitors.ErrNotMember):
		// The same answer for both, so that nobody learns which names
		// another organisation has.
		return c.refuseCert(v, org, username, days, v.T("certs_no_account", org))
	case err != nil:
		return c.fail(v, err)
	}
	file, pw, err := ic.PKCS12()
	if err != nil {
		return c.fail(v, err)
	}
	c.audit(*v.User, "cert.issue", ic.Serial, org, "account="+ic.Username+" until="+ic.NotAfter.Format(time.DateOnly))
	d, err := c.newCertsData(v, org)
	if err != nil {
		return c.fail(v, err)
	}
	d.Issued = &issuedP12{ClientCert: ic.ClientCert, Password: pw, FileName: ic.Username + ".p12",
		// Only base64 follows the fixed prefix, so the URL is safe.
		Href: template.URL("data:application/x-pkcs12;base64," + base64.StdEncoding.EncodeToString(file))}
	v.Notice = v.T("certs_issued", ic.Username)
	return "certs"
}

// refuseCert shows the issue form again with why it was refused.
func (c *Console) refuseCert(v *view, org, username, days, why string) string {
	d, err := c.newCertsData(v, org)
	if err != nil {
		return c.fail(v, err)
	}
	d.Username, d.Days = username, days
	v.Status, v.Error = http.StatusUnprocessableEntity, why
	return "certs"
}

// certRevoke revokes a certificate of the organisation: its next
// handshake, resumed ones too, fails.
func (c *Console) certRevoke(w http.ResponseWriter, r *http.Request, v *view) string {
	if c.cfg.Certs == nil {
		return c.fail(v, errNotFound)
	}
	org, err := c.certOrg(v, r.PostFormValue("org"))
	if err != nil || org == "" || !v.User.CanReadOwned(org) {
		return c.fail(v, errNotFound)
	}
	if !v.User.CanWrite(org) || !mayManage(v) {
		return c.fail(v, errForbidden)
	}
	serial := strings.ToLower(mux.Vars(r)["serial"])
	certs, err := c.cfg.Certs.ClientCerts(org)
	if err != nil {
		return c.fail(v, err)
	}
	if !slices.ContainsFunc(certs, func(cc visitors.ClientCert) bool { return cc.Serial == serial }) {
		return c.fail(v, errNotFound) // asked before confirming: no question about another's serial
	}
	list := c.cfg.Base + "/certs?org=" + url.QueryEscape(org)
	if !confirmed(r, v, confirmation{Action: c.cfg.Base + "/certs/" + url.PathEscape(serial) + "/revoke", Fields: map[string]string{"org": org},
		Question: v.T("certs_revoke_q", serial), Detail: v.T("certs_revoke_detail"), Button: v.T("certs_revoke"), Cancel: list}) {
		v.Section = "certs"
		return "confirm"
	}
	if err := c.cfg.Certs.RevokeClientCert(org, serial); err != nil {
		if errors.Is(err, visitors.ErrCertUnknown) {
			return c.fail(v, errNotFound)
		}
		return c.fail(v, err)
	}
	c.audit(*v.User, "cert.revoke", serial, org, "")
	http.Redirect(w, r, list, http.StatusSeeOther)
	return ""
}
