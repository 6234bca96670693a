package console

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/wifihk/wifihk/internal/input"
	"github.com/wifihk/wifihk/visitors"
	"github.com/wifihk/wifihk/visitors/orgpki"
)

// An organisation's own CAs on the certificates page: import one (its
// certificate, no key, and the rule naming the account), upload its CRL,
// remove it.

// ClientCAs keeps the CAs organisations import; *visitors.Store
// implements it.
type ClientCAs interface {
	ImportCA(org string, data []byte, rule orgpki.Rule) (visitors.ImportedCA, error)
	ImportedCAs(org string) ([]visitors.ImportedCA, error)
	RemoveImportedCA(org, id string) (visitors.ImportedCA, error)
	SetCRL(org, id string, data []byte) (visitors.ImportedCA, error)
}

// caRow is an imported CA as the page lists it.
type caRow struct {
	visitors.ImportedCA
	Stale bool // its CRL is past its next update: every certificate refused
}

// caForm is the import form as posted, shown again when refused.
type caForm struct {
	Identity, Domain string
	Strip            bool
}

// maxCRLForm bounds the CRL upload form's body: the CRL and the form.
const maxCRLForm = orgpki.MaxCRLSize + 64<<10

// importedCAs fills d's list of org's imported CAs.
func (c *Console) importedCAs(d *certsData, org string) error {
	cas, err := c.cfg.CAs.ImportedCAs(org)
	now := time.Now()
	for _, ca := range cas {
		d.CAs = append(d.CAs, caRow{ImportedCA: ca, Stale: ca.CRL.Stale(now)})
	}
	return err
}

// caOrg is certOrg for the CA forms: the organisation posted, which v
// may change, or "" after answering.
func (c *Console) caOrg(r *http.Request, v *view) (string, string) {
	if c.cfg.CAs == nil {
		return "", c.fail(v, errNotFound)
	}
	org, err := c.certOrg(v, r.PostFormValue("org"))
	if err != nil || org == "" || !v.User.CanReadOwned(org) {
		return "", c.fail(v, errNotFound)
	}
	if !v.User.CanWrite(org) || !mayManage(v) {
		return "", c.fail(v, errForbidden)
	}
	return org, ""
}

// upload reads the form's file, or "" with why not.
func upload(r *http.Request, v *view) ([]byte, string) {
	data, err := formFile(r, "file")
	if err != nil {
		return nil, v.T("certs_ca_no_file")
	}
	return data, ""
}

// formFile reads the file posted as field name.
func formFile(r *http.Request, name string) ([]byte, error) {
	f, _, err := r.FormFile(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}

// caImport imports a CA of the organisation's own PKI.
func (c *Console) caImport(w http.ResponseWriter, r *http.Request, v *view) string {
	org, answered := c.caOrg(r, v)
	if org == "" {
		return answered
	}
	form := caForm{Identity: r.PostFormValue("identity"), Domain: strings.TrimSpace(r.PostFormValue("domain")), Strip: r.PostFormValue("strip") != ""}
	data, why := upload(r, v)
	if why != "" {
		return c.refuseCA(v, org, form, why)
	}
	ca, err := c.cfg.CAs.ImportCA(org, data, orgpki.Rule{Field: orgpki.Field(form.Identity), Domain: form.Domain, Strip: form.Strip})
	if why := caProblem(v, err); why != "" {
		return c.refuseCA(v, org, form, why)
	} else if err != nil {
		return c.fail(v, err)
	}
	c.audit(*v.User, "cert.ca_import", ca.ID, org, "subject="+ca.Subject+" identity="+ca.Identity.String())
	if _, err := c.newCertsData(v, org); err != nil {
		return c.fail(v, err)
	}
	v.Notice = v.T("certs_ca_imported", ca.Subject)
	return "certs"
}

// caProblem is what the page says of a refused upload, or "" for an
// error that is not the upload's fault.
func caProblem(v *view, err error) string {
	var fe *input.FieldError
	switch {
	case errors.As(err, &fe):
		return v.T("certs_ca_bad", strings.TrimPrefix(fe.Problem, "orgpki: "))
	case errors.Is(err, visitors.ErrCAExists):
		return v.T("certs_ca_exists")
	}
	return ""
}

// refuseCA shows the page again with why an upload was refused.
func (c *Console) refuseCA(v *view, org string, form caForm, why string) string {
	d, err := c.newCertsData(v, org)
	if err != nil {
		return c.fail(v, err)
	}
	d.CAForm = form
	v.Status, v.Error = http.StatusUnprocessableEntity, why
	return "certs"
}

// caCRL replaces the CRL of one of the organisation's CAs.
func (c *Console) caCRL(w http.ResponseWriter, r *http.Request, v *view) string {
	org, answered := c.caOrg(r, v)
	if org == "" {
		return answered
	}
	data, why := upload(r, v)
	if why != "" {
		return c.refuseCA(v, org, caForm{}, why)
	}
	ca, err := c.cfg.CAs.SetCRL(org, mux.Vars(r)["id"], data)
	switch why := caProblem(v, err); {
	case errors.Is(err, visitors.ErrCAUnknown):
		return c.fail(v, errNotFound)
	case why != "":
		return c.refuseCA(v, org, caForm{}, why)
	case err != nil:
		return c.fail(v, err)
	}
	c.audit(*v.User, "cert.ca_crl", ca.ID, org, "next_update="+ca.CRL.NextUpdate.Format(time.RFC3339))
	http.Redirect(w, r, c.cfg.Base+"/certs?org="+url.QueryEscape(org), http.StatusSeeOther)
	return ""
}

// caRemove stops trusting one of the organisation's CAs, once confirmed.
func (c *Console) caRemove(w http.ResponseWriter, r *http.Request, v *view) string {
	org, answered := c.caOrg(r, v)
	if org == "" {
		return answered
	}
	id := mux.Vars(r)["id"]
	cas, err := c.cfg.CAs.ImportedCAs(org)
	if err != nil {
		return c.fail(v, err)
	}
	var subject string
	for _, ca := range cas {
		if ca.ID == id {
			subject = ca.Subject
		}
	}
	if subject == "" {
		return c.fail(v, errNotFound) // asked before confirming: no question about another's CA
	}
	list := c.cfg.Base + "/certs?org=" + url.QueryEscape(org)
	if !confirmed(r, v, confirmation{Action: c.cfg.Base + "/certs/cas/" + id + "/remove", Fields: map[string]string{"org": org},
		Question: v.T("certs_ca_remove_q", subject), Detail: v.T("certs_ca_remove_detail"), Button: v.T("certs_ca_remove"), Cancel: list}) {
		v.Section = "certs"
		return "confirm"
	}
	if _, err := c.cfg.CAs.RemoveImportedCA(org, id); errors.Is(err, visitors.ErrCAUnknown) {
		return c.fail(v, errNotFound)
	} else if err != nil {
		return c.fail(v, err)
	}
	c.audit(*v.User, "cert.ca_remove", id, org, "subject="+subject)
	http.Redirect(w, r, list, http.StatusSeeOther)
	return ""
}
