package api

import (
	"net/http"

	"github.com/gorilla/mux"

	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/internal/web"
	"github.com/wifihk/wifihk/staff"
)

// venueKey is the {org}/{id} of a venue route.
func venueKey(r *http.Request) hotspots.VenueKey {
	v := mux.Vars(r)
	return hotspots.MakeVenueKey(v["org"], v["id"])
}

// venueFilter reads the list filters; a scoped caller sees only its own
// organisation and asking for another is refused.
func venueFilter(w http.ResponseWriter, r *http.Request, p staff.Principal) (hotspots.VenueFilter, bool) {
	q := r.URL.Query()
	f := hotspots.VenueFilter{Org: q.Get("org"), District: q.Get("district"), Type: q.Get("venue_type"), Text: q.Get("q")}
	if scope := p.Scope(); scope != "" {
		if f.Org != "" && f.Org != scope {
			forbidden(w, "you may see organisation %q only", scope)
			return f, false
		}
		f.Org = scope
	}
	if f.District != "" {
		if _, ok := hotspots.LookupDistrict(f.District); !ok {
			web.Invalid(w, "district", "%q is not one of the 18 districts", f.District)
			return f, false
		}
	}
	return f, true
}

func (a *API) listVenues(w http.ResponseWriter, r *http.Request, p staff.Principal) {
	page, per, ok := paging(w, r)
	if !ok {
		return
	}
	f, ok := venueFilter(w, r, p)
	if !ok {
		return
	}
	items, total, err := a.reg.ListVenues(f, (page-1)*per, per)
	if err != nil {
		a.fail(w, err)
		return
	}
	if items == nil {
		items = []hotspots.Venue{}
	}
	web.WriteJSON(w, http.StatusOK, Page[hotspots.Venue]{Items: items, Page: page, PerPage: per, Total: total})
}

func (a *API) createVenue(w http.ResponseWriter, r *http.Request, p staff.Principal) {
	var in hotspots.Venue
	if !web.DecodeJSON(w, r, a.cfg.MaxBody, &in) {
		return
	}
	if !p.CanWrite(in.Org) {
		forbidden(w, "%s may not add venues to organisation %q", p.Role, in.Org)
		return
	}
	v, err := a.reg.AddVenue(in)
	if err != nil {
		a.fail(w, err)
		return
	}
	a.audit(p, "venue.create", v.Key().String(), v.Org, "")
	web.WriteJSON(w, http.StatusCreated, v)
}

func (a *API) getVenue(w http.ResponseWriter, r *http.Request, p staff.Principal) {
	key := venueKey(r)
	if denyRead(w, p, key.Org(), "venue", key.String()) {
		return
	}
	v, err := a.reg.Venue(key)
	if err != nil {
		a.fail(w, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, v)
}

func (a *API) updateVenue(w http.ResponseWriter, r *http.Request, p staff.Principal) {
	key := venueKey(r)
	org, id := key.Org(), key.LocationID()
	var in hotspots.Venue
	if !web.DecodeJSON(w, r, a.cfg.MaxBody, &in) || denyWrite(w, p, org, "venue", key.String()) {
		return
	}
	if (in.Org != "" && in.Org != org) || (in.LocationID != "" && in.LocationID != id) {
		web.Invalid(w, "location_id", "organisation_code and location_id must match the URL")
		return
	}
	in.Org, in.LocationID = org, id
	v, err := a.reg.UpdateVenue(in)
	if err != nil {
		a.fail(w, err)
		return
	}
	a.audit(p, "venue.update", key.String(), org, "")
	web.WriteJSON(w, http.StatusOK, v)
}

func (a *API) deleteVenue(w http.ResponseWriter, r *http.Request, p staff.Principal) {
	key := venueKey(r)
	if denyWrite(w, p, key.Org(), "venue", key.String()) {
		return
	}
	if err := a.reg.DeleteVenue(key); err != nil {
		a.fail(w, err)
		return
	}
	a.audit(p, "venue.delete", key.String(), key.Org(), "")
	w.WriteHeader(http.StatusNoContent)
}
