package api

import (
	"errors"
	"net/http"

	"github.com/gorilla/mux"

	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/internal/web"
	"github.com/wifihk/wifihk/staff"
)

func (a *API) listPlans(w http.ResponseWriter, r *http.Request, p staff.Principal) {
	page, per, ok := paging(w, r)
	if !ok {
		return
	}
	all, err := a.reg.ListPlans()
	if err != nil {
		a.fail(w, err)
		return
	}
	visible := []hotspots.Plan{}
	for _, pl := range all {
		if p.CanRead(pl.Org) {
			visible = append(visible, pl)
		}
	}
	web.WriteJSON(w, http.StatusOK, pageOf(visible, page, per))
}

func (a *API) createPlan(w http.ResponseWriter, r *http.Request, p staff.Principal) {
	var in hotspots.Plan
	if !web.DecodeJSON(w, r, a.cfg.MaxBody, &in) {
		return
	}
	if in.Org == "" && p.Role == staff.RoleOperator {
		in.Org = p.Org // an operator's plans are its organisation's
	}
	if !p.CanWrite(in.Org) {
		forbidden(w, "%s may not add plans for %q", p.Role, orgName(in.Org))
		return
	}
	pl, err := a.reg.AddPlan(in)
	if err != nil {
		a.fail(w, err)
		return
	}
	a.audit(p, "plan.create", pl.Name, pl.Org, string(pl.Kind))
	web.WriteJSON(w, http.StatusCreated, pl)
}

func orgName(org string) string {
	if org == "" {
		return "the whole network"
	}
	return "organisation " + org
}

// planOf loads the plan of the route; it answers 404 when it is missing or
// p may not read it.
func (a *API) planOf(w http.ResponseWriter, r *http.Request, p staff.Principal) (hotspots.Plan, bool) {
	name := mux.Vars(r)["name"]
	pl, err := a.reg.Plan(name)
	if errors.Is(err, hotspots.ErrNotFound) || (err == nil && !p.CanRead(pl.Org)) {
		notFound(w, "plan", name)
		return pl, false
	}
	if err != nil {
		a.fail(w, err)
		return pl, false
	}
	return pl, true
}

func (a *API) getPlan(w http.ResponseWriter, r *http.Request, p staff.Principal) {
	if pl, ok := a.planOf(w, r, p); ok {
		web.WriteJSON(w, http.StatusOK, pl)
	}
}

func (a *API) updatePlan(w http.ResponseWriter, r *http.Request, p staff.Principal) {
	var in hotspots.Plan
	if !web.DecodeJSON(w, r, a.cfg.MaxBody, &in) {
		return
	}
	old, ok := a.planOf(w, r, p)
	if !ok || denyWrite(w, p, old.Org, "plan", old.Name) {
		return
	}
	if in.Name != "" && in.Name != old.Name {
		web.Invalid(w, "name", "does not match the URL (%q)", old.Name)
		return
	}
	in.Name, in.Org = old.Name, old.Org
	pl, err := a.reg.UpdatePlan(in)
	if err != nil {
		a.fail(w, err)
		return
	}
	a.audit(p, "plan.update", pl.Name, pl.Org, string(pl.Kind))
	web.WriteJSON(w, http.StatusOK, pl)
}

func (a *API) deletePlan(w http.ResponseWriter, r *http.Request, p staff.Principal) {
	old, ok := a.planOf(w, r, p)
	if !ok || denyWrite(w, p, old.Org, "plan", old.Name) {
		return
	}
	if err := a.reg.DeletePlan(old.Name); err != nil {
		a.fail(w, err)
		return
	}
	a.audit(p, "plan.delete", old.Name, old.Org, "")
	w.WriteHeader(http.StatusNoContent)
}
