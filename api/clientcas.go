package api

import (
	"bytes"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/gorilla/mux"

	"github.com/wifihk/wifihk/internal/web"
	"github.com/wifihk/wifihk/staff"
	"github.com/wifihk/wifihk/visitors"
	"github.com/wifihk/wifihk/visitors/orgpki"
)

// ClientCAs keeps the CAs organisations import for EAP-TLS;
// *visitors.Store implements it.
type ClientCAs interface {
	ImportCA(org string, data []byte, rule orgpki.Rule) (visitors.ImportedCA, error)
	ImportedCAs(org string) ([]visitors.ImportedCA, error)
	ImportedCA(org, id string) (visitors.ImportedCA, error)
	RemoveImportedCA(org, id string) (visitors.ImportedCA, error)
	SetCRL(org, id string, data []byte) (visitors.ImportedCA, error)
}

// clientCAView is an imported CA as the API shows it.
type clientCAView struct {
	visitors.ImportedCA
	CRLStale bool `json:"crl_stale"` // every certificate of the CA is refused until a current CRL is uploaded
}

func viewCA(ca visitors.ImportedCA) clientCAView {
	return clientCAView{ImportedCA: ca, CRLStale: ca.CRL.Stale(time.Now())}
}

// clientCARoutes are an organisation's own CAs:
//
//	GET    /api/v1/orgs/{code}/client-cas           list them
//	POST   /api/v1/orgs/{code}/client-cas           import one (PEM, or DER in base64) with its identity rule
//	GET    /api/v1/orgs/{code}/client-cas/{id}      one
//	DELETE /api/v1/orgs/{code}/client-cas/{id}      stop trusting it
//	PUT    /api/v1/orgs/{code}/client-cas/{id}/crl  replace its CRL
func (a *API) clientCARoutes() []Route {
	return []Route{
		{Method: "GET", Path: "/api/v1/orgs/{code}/client-cas", handler: a.staff(a.listClientCAs)},
		{Method: "POST", Path: "/api/v1/orgs/{code}/client-cas", handler: a.staff(a.importClientCA)},
		{Method: "GET", Path: "/api/v1/orgs/{code}/client-cas/{id}", handler: a.staff(a.getClientCA)},
		{Method: "DELETE", Path: "/api/v1/orgs/{code}/client-cas/{id}", handler: a.staff(a.removeClientCA)},
		{Method: "PUT", Path: "/api/v1/orgs/{code}/client-cas/{id}/crl", handler: a.staff(a.putClientCACRL)},
	}
}

// caOrg returns the organisation in the path, answering 404 when p may
// not read it or it does not exist, and 403 when write is asked and p
// may not change it.
func (a *API) caOrg(w http.ResponseWriter, r *http.Request, p staff.Principal, write bool) (string, bool) {
	code := mux.Vars(r)["code"]
	if denyRead(w, p, code, "organisation", code) {
		return "", false
	}
	if _, err := a.reg.Org(code); err != nil {
		a.fail(w, err)
		return "", false
	}
	if write && denyWrite(w, p, code, "organisation", code) {
		return "", false
	}
	return code, true
}

func (a *API) listClientCAs(w http.ResponseWriter, r *http.Request, p staff.Principal) {
	page, per, ok := paging(w, r)
	if !ok {
		return
	}
	org, ok := a.caOrg(w, r, p, false)
	if !ok {
		return
	}
	cas, err := a.cfg.ClientCAs.ImportedCAs(org)
	if err != nil {
		a.fail(w, err)
		return
	}
	out := []clientCAView{}
	for _, ca := range cas {
		out = append(out, viewCA(ca))
	}
	web.WriteJSON(w, http.StatusOK, pageOf(out, page, per))
}

type clientCABody struct {
	Certificate string `json:"certificate"`
	Identity    string `json:"identity"`
	Domain      string `json:"domain"`
	StripDomain bool   `json:"strip_domain"`
}

func (a *API) importClientCA(w http.ResponseWriter, r *http.Request, p staff.Principal) {
	var in clientCABody
	if !web.DecodeJSON(w, r, min(a.cfg.MaxBody, 2*orgpki.MaxCASize), &in) {
		return
	}
	org, ok := a.caOrg(w, r, p, true)
	if !ok {
		return
	}
	data, ok := pemOrBase64(w, "certificate", in.Certificate)
	if !ok {
		return
	}
	ca, err := a.cfg.ClientCAs.ImportCA(org, data, orgpki.Rule{Field: orgpki.Field(in.Identity), Domain: in.Domain, Strip: in.StripDomain})
	if err != nil {
		a.caFail(w, err)
		return
	}
	a.audit(p, "cert.ca_import", ca.ID, org, "subject="+ca.Subject+" identity="+ca.Identity.String())
	web.WriteJSON(w, http.StatusCreated, viewCA(ca))
}

// pemOrBase64 is an upload given in a JSON string: PEM as it is, or DER
// in base64.
func pemOrBase64(w http.ResponseWriter, field, s string) ([]byte, bool) {
	if bytes.Contains([]byte(s), []byte("-----BEGIN")) {
		return []byte(s), true
	}
	der, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(der) == 0 {
		web.Invalid(w, field, "neither PEM nor DER in base64")
		return nil, false
	}
	return der, true
}

// caFail answers an imported CA's errors: unknown 404, already imported
// 409, the rest as a.fail does (a bad upload 422, naming the field).
func (a *API) caFail(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, visitors.ErrCAUnknown):
		web.Error(w, http.StatusNotFound, "%s", err)
	case errors.Is(err, visitors.ErrCAExists):
		web.Error(w, http.StatusConflict, "%s", err)
	default:
		a.fail(w, err)
	}
}

func (a *API) getClientCA(w http.ResponseWriter, r *http.Request, p staff.Principal) {
	org, ok := a.caOrg(w, r, p, false)
	if !ok {
		return
	}
	ca, err := a.cfg.ClientCAs.ImportedCA(org, mux.Vars(r)["id"])
	if err != nil {
		a.caFail(w, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, viewCA(ca))
}

func (a *API) removeClientCA(w http.ResponseWriter, r *http.Request, p staff.Principal) {
	org, ok := a.caOrg(w, r, p, true)
	if !ok {
		return
	}
	ca, err := a.cfg.ClientCAs.RemoveImportedCA(org, mux.Vars(r)["id"])
	if err != nil {
		a.caFail(w, err)
		return
	}
	a.audit(p, "cert.ca_remove", ca.ID, org, "subject="+ca.Subject)
	w.WriteHeader(http.StatusNoContent)
}

func (a *API) putClientCACRL(w http.ResponseWriter, r *http.Request, p staff.Principal) {
	var in struct {
		CRL string `json:"crl"`
	}
	// A CRL in base64 is 4/3 of its size.
	if !web.DecodeJSON(w, r, orgpki.MaxCRLSize/3*4+4096, &in) {
		return
	}
	org, ok := a.caOrg(w, r, p, true)
	if !ok {
		return
	}
	data, ok := pemOrBase64(w, "crl", in.CRL)
	if !ok {
		return
	}
	ca, err := a.cfg.ClientCAs.SetCRL(org, mux.Vars(r)["id"], data)
	if err != nil {
		a.caFail(w, err)
		return
	}
	a.audit(p, "cert.ca_crl", ca.ID, org, "revoked="+strconv.Itoa(ca.CRL.Revoked)+" next_update="+ca.CRL.NextUpdate.Format(time.RFC3339))
	web.WriteJSON(w, http.StatusOK, viewCA(ca))
}
