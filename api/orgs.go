package api

import (
	"net/http"

	"github.com/gorilla/mux"

	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/internal/web"
	"github.com/wifihk/wifihk/staff"
)

type orgBody struct {
	Code           string `json:"code"`
	NameEN         string `json:"name_en"`
	NameTC         string `json:"name_tc"`
	NameSC         string `json:"name_sc"`
	SupportHotline string `json:"support_hotline"`
	SupportEmail   string `json:"support_email"`
}

func (b orgBody) org() hotspots.Org {
	return hotspots.Org{Code: b.Code, NameEN: b.NameEN, NameTC: b.NameTC, NameSC: b.NameSC,
		SupportHotline: b.SupportHotline, SupportEmail: b.SupportEmail}
}

func (a *API) listOrgs(w http.ResponseWriter, r *http.Request, p staff.Principal) {
	page, per, ok := paging(w, r)
	if !ok {
		return
	}
	all, err := a.reg.ListOrgs()
	if err != nil {
		a.fail(w, err)
		return
	}
	visible := all[:0]
	for _, o := range all {
		if p.CanRead(o.Code) {
			visible = append(visible, o)
		}
	}
	web.WriteJSON(w, http.StatusOK, pageOf(visible, page, per))
}

func (a *API) createOrg(w http.ResponseWriter, r *http.Request, p staff.Principal) {
	var in orgBody
	if !web.DecodeJSON(w, r, a.cfg.MaxBody, &in) {
		return
	}
	if !p.IsAdmin() {
		forbidden(w, "only an admin may create organisations")
		return
	}
	o, err := a.reg.AddOrg(in.org())
	if err != nil {
		a.fail(w, err)
		return
	}
	a.audit(p, "org.create", o.Code, o.Code, "")
	web.WriteJSON(w, http.StatusCreated, o)
}

func (a *API) getOrg(w http.ResponseWriter, r *http.Request, p staff.Principal) {
	code := mux.Vars(r)["code"]
	if denyRead(w, p, code, "organisation", code) {
		return
	}
	o, err := a.reg.Org(code)
	if err != nil {
		a.fail(w, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, o)
}

func (a *API) updateOrg(w http.ResponseWriter, r *http.Request, p staff.Principal) {
	code := mux.Vars(r)["code"]
	var in orgBody
	if !web.DecodeJSON(w, r, a.cfg.MaxBody, &in) || denyWrite(w, p, code, "organisation", code) {
		return
	}
	if in.Code != "" && in.Code != code {
		web.Invalid(w, "code", "does not match the URL (%q)", code)
		return
	}
	in.Code = code
	o, err := a.reg.UpdateOrg(in.org())
	if err != nil {
		a.fail(w, err)
		return
	}
	a.audit(p, "org.update", code, code, "")
	web.WriteJSON(w, http.StatusOK, o)
}

func (a *API) deleteOrg(w http.ResponseWriter, r *http.Request, p staff.Principal) {
	code := mux.Vars(r)["code"]
	if denyRead(w, p, code, "organisation", code) {
		return
	}
	if !p.IsAdmin() {
		forbidden(w, "only an admin may delete organisations")
		return
	}
	if err := a.reg.DeleteOrg(code); err != nil {
		a.fail(w, err)
		return
	}
	a.audit(p, "org.delete", code, code, "")
	w.WriteHeader(http.StatusNoContent)
}
