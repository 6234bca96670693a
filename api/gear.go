package api

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/internal/web"
	"github.com/wifihk/wifihk/staff"
)

// nasView is a NAS as the API shows it: never its secrets.
type nasView struct {
	ID         string    `json:"id"`
	Name       string    `json:"name"`
	IP         string    `json:"ip"`
	Hotspot    string    `json:"hotspot"`
	CoAPort    int       `json:"coa_port"`
	RequireMA  string    `json:"require_message_authenticator"`
	Identifier string    `json:"nas_identifier,omitempty"`
	PortalAuth string    `json:"portal_auth,omitempty"`
	HasUAM     bool      `json:"has_uam_secret"`
	Created    time.Time `json:"created"`
}

func viewNAS(n hotspots.NAS) nasView {
	return nasView{ID: n.ID, Name: n.Name, IP: n.Prefix.String(), Hotspot: n.Hotspot.String(), CoAPort: n.CoAPort,
		RequireMA: n.RequireMA, Identifier: n.Identifier, PortalAuth: n.PortalAuth,
		HasUAM: n.UAMSecretSealed != "", Created: n.Created}
}

type nasBody struct {
	Name       string `json:"name"`
	IP         string `json:"ip"`
	Secret     string `json:"secret"`
	Hotspot    string `json:"hotspot"`
	CoAPort    int    `json:"coa_port"`
	RequireMA  string `json:"require_message_authenticator"`
	Identifier string `json:"nas_identifier"`
	UAMSecret  string `json:"uam_secret"`
	PortalAuth string `json:"portal_auth"`
}

func (a *API) listNAS(w http.ResponseWriter, r *http.Request, p staff.Principal) {
	page, per, ok := paging(w, r)
	if !ok {
		return
	}
	all, err := a.reg.ListNAS()
	if err != nil {
		a.fail(w, err)
		return
	}
	venue := hotspots.VenueKey(r.URL.Query().Get("hotspot"))
	out := []nasView{}
	for _, n := range all {
		// A NAS with no venue is network-wide: admins and unscoped viewers.
		if p.CanRead(n.Hotspot.Org()) && (n.Hotspot != "" || p.Scope() == "") &&
			(venue == "" || n.Hotspot == venue) {
			out = append(out, viewNAS(n))
		}
	}
	web.WriteJSON(w, http.StatusOK, pageOf(out, page, per))
}

// nasOrgs checks that p may see and change a NAS at venue hotspot; an
// operator's NAS must be at one of its venues.
func nasWritable(w http.ResponseWriter, p staff.Principal, hotspot hotspots.VenueKey, id string) bool {
	if hotspot == "" && !p.IsAdmin() {
		if p.Role == staff.RoleOperator {
			web.Invalid(w, "hotspot", "an operator's NAS must belong to one of its venues")
		} else {
			forbidden(w, "%s may not change NAS", p.Role)
		}
		return false
	}
	return !denyWrite(w, p, hotspot.Org(), "NAS", id)
}

func (a *API) createNAS(w http.ResponseWriter, r *http.Request, p staff.Principal) {
	var in nasBody
	if !web.DecodeJSON(w, r, a.cfg.MaxBody, &in) || !nasWritable(w, p, hotspots.VenueKey(in.Hotspot), in.Name) {
		return
	}
	if !p.IsAdmin() {
		// Operators may not claim wide address ranges, which would capture
		// other gateways' RADIUS traffic.
		if err := hotspots.CheckOperatorRange(in.IP); err != nil {
			web.Invalid(w, "ip", "%s", err)
			return
		}
	}
	n, err := a.reg.AddNAS(hotspots.NASInput{Name: in.Name, IP: in.IP, Secret: in.Secret, Hotspot: hotspots.VenueKey(in.Hotspot),
		CoAPort: in.CoAPort, RequireMA: in.RequireMA, Identifier: in.Identifier, UAMSecret: in.UAMSecret, PortalAuth: in.PortalAuth})
	if errors.Is(err, hotspots.ErrNASExists) && !p.IsAdmin() {
		web.Error(w, http.StatusConflict, "a NAS with that name or an overlapping address range exists")
		return
	}
	if err != nil {
		a.failNAS(w, err)
		return
	}
	a.audit(p, "nas.create", n.ID, n.Hotspot.Org(), n.Prefix.String())
	web.WriteJSON(w, http.StatusCreated, viewNAS(n))
}

// failNAS answers AddNAS's validation errors ("field: problem") as 422.
func (a *API) failNAS(w http.ResponseWriter, err error) {
	msg := strings.TrimPrefix(err.Error(), "hotspots: ")
	for _, f := range []string{"name", "ip", "secret", "coa-port", "require-message-authenticator", "portal-auth", "hotspot"} {
		if strings.HasPrefix(msg, f+": ") && !errors.Is(err, hotspots.ErrNASExists) {
			web.Invalid(w, strings.ReplaceAll(f, "-", "_"), "%s", strings.TrimPrefix(msg, f+": "))
			return
		}
	}
	a.fail(w, err)
}

// nasOf loads the route's NAS; 404 when missing or out of p's sight.
func (a *API) nasOf(w http.ResponseWriter, r *http.Request, p staff.Principal) (hotspots.NAS, bool) {
	id := mux.Vars(r)["id"]
	n, err := a.reg.NASByID(id)
	if err != nil || !p.CanRead(n.Hotspot.Org()) || (n.Hotspot == "" && p.Scope() != "") {
		notFound(w, "NAS", id)
		return n, false
	}
	return n, true
}

func (a *API) getNAS(w http.ResponseWriter, r *http.Request, p staff.Principal) {
	if n, ok := a.nasOf(w, r, p); ok {
		web.WriteJSON(w, http.StatusOK, viewNAS(n))
	}
}

type nasUpdate struct {
	Hotspot string `json:"hotspot"`
}

// updateNAS moves a NAS to another venue; p must be able to change both.
func (a *API) updateNAS(w http.ResponseWriter, r *http.Request, p staff.Principal) {
	var in nasUpdate
	if !web.DecodeJSON(w, r, a.cfg.MaxBody, &in) {
		return
	}
	n, ok := a.nasOf(w, r, p)
	if !ok || !nasWritable(w, p, n.Hotspot, n.ID) {
		return
	}
	if to := hotspots.VenueKey(in.Hotspot); to != n.Hotspot && !nasWritable(w, p, to, n.ID) {
		return
	}
	n, err := a.reg.SetNASHotspot(n.ID, hotspots.VenueKey(in.Hotspot))
	if err != nil {
		a.fail(w, err)
		return
	}
	a.audit(p, "nas.update", n.ID, n.Hotspot.Org(), "hotspot="+n.Hotspot.String())
	web.WriteJSON(w, http.StatusOK, viewNAS(n))
}

func (a *API) deleteNAS(w http.ResponseWriter, r *http.Request, p staff.Principal) {
	n, ok := a.nasOf(w, r, p)
	if !ok || !nasWritable(w, p, n.Hotspot, n.ID) {
		return
	}
	if err := a.reg.DeleteNAS(n.ID); err != nil {
		a.fail(w, err)
		return
	}
	a.audit(p, "nas.delete", n.ID, n.Hotspot.Org(), "")
	w.WriteHeader(http.StatusNoContent)
}

// apView is an AP without its token hash.
type apView struct {
	ID      string    `json:"id"`
	Hotspot string    `json:"hotspot"`
	Name    string    `json:"name"`
	MAC     string    `json:"mac"`
	Created time.Time `json:"created"`
	Token   string    `json:"token,omitempty"` // only when just created
}

func viewAP(ap hotspots.AP) apView {
	return apView{ID: ap.ID, Hotspot: ap.Hotspot.String(), Name: ap.Name, MAC: ap.MAC, Created: ap.Created}
}

type apBody struct {
	Hotspot string `json:"hotspot"`
	Name    string `json:"name"`
	MAC     string `json:"mac"`
}

func (a *API) listAPs(w http.ResponseWriter, r *http.Request, p staff.Principal) {
	page, per, ok := paging(w, r)
	if !ok {
		return
	}
	f := hotspots.APFilter{Venue: hotspots.VenueKey(r.URL.Query().Get("hotspot")), Org: r.URL.Query().Get("org")}
	if scope := p.Scope(); scope != "" {
		if (f.Org != "" && f.Org != scope) || (f.Venue != "" && f.Venue.Org() != scope) {
			forbidden(w, "you may see organisation %q only", scope)
			return
		}
		f.Org = scope
	}
	aps, total, err := a.reg.ListAPs(f, (page-1)*per, per)
	if err != nil {
		a.fail(w, err)
		return
	}
	out := make([]apView, len(aps))
	for i, ap := range aps {
		out[i] = viewAP(ap)
	}
	web.WriteJSON(w, http.StatusOK, Page[apView]{Items: out, Page: page, PerPage: per, Total: total})
}

func (a *API) createAP(w http.ResponseWriter, r *http.Request, p staff.Principal) {
	var in apBody
	if !web.DecodeJSON(w, r, a.cfg.MaxBody, &in) {
		return
	}
	if in.Hotspot == "" {
		web.Invalid(w, "hotspot", "required (ORG/LOCATIONID)")
		return
	}
	if !p.CanWrite(hotspots.VenueKey(in.Hotspot).Org()) {
		forbidden(w, "%s may not add APs to %q", p.Role, in.Hotspot)
		return
	}
	ap, token, err := a.reg.AddAP(hotspots.VenueKey(in.Hotspot), in.Name, in.MAC)
	if err != nil {
		a.failAP(w, err)
		return
	}
	a.audit(p, "ap.create", ap.ID, ap.Org(), ap.Hotspot.String())
	v := viewAP(ap)
	v.Token = token
	web.WriteJSON(w, http.StatusCreated, v)
}

// failAP answers AddAP's "hotspots: field: problem" errors as 422.
func (a *API) failAP(w http.ResponseWriter, err error) {
	msg := strings.TrimPrefix(err.Error(), "hotspots: ")
	for _, f := range []string{"mac", "name", "hotspot"} {
		if strings.HasPrefix(msg, f+": ") {
			web.Invalid(w, f, "%s", strings.TrimPrefix(msg, f+": "))
			return
		}
	}
	a.fail(w, err)
}

func (a *API) apOf(w http.ResponseWriter, r *http.Request, p staff.Principal) (hotspots.AP, bool) {
	id := mux.Vars(r)["id"]
	ap, err := a.reg.APByID(id)
	if err != nil || !p.CanRead(ap.Org()) {
		notFound(w, "AP", id)
		return ap, false
	}
	return ap, true
}

func (a *API) getAP(w http.ResponseWriter, r *http.Request, p staff.Principal) {
	if ap, ok := a.apOf(w, r, p); ok {
		web.WriteJSON(w, http.StatusOK, viewAP(ap))
	}
}

type apUpdate struct {
	Name string `json:"name"`
}

func (a *API) updateAP(w http.ResponseWriter, r *http.Request, p staff.Principal) {
	var in apUpdate
	if !web.DecodeJSON(w, r, a.cfg.MaxBody, &in) {
		return
	}
	ap, ok := a.apOf(w, r, p)
	if !ok || denyWrite(w, p, ap.Org(), "AP", ap.ID) {
		return
	}
	ap, err := a.reg.RenameAP(ap.ID, in.Name)
	if err != nil {
		a.fail(w, err)
		return
	}
	a.audit(p, "ap.update", ap.ID, ap.Org(), "")
	web.WriteJSON(w, http.StatusOK, viewAP(ap))
}

func (a *API) deleteAP(w http.ResponseWriter, r *http.Request, p staff.Principal) {
	ap, ok := a.apOf(w, r, p)
	if !ok || denyWrite(w, p, ap.Org(), "AP", ap.ID) {
		return
	}
	if err := a.reg.DeleteAP(ap.ID); err != nil {
		a.fail(w, err)
		return
	}
	a.audit(p, "ap.delete", ap.ID, ap.Org(), ap.Hotspot.String())
	w.WriteHeader(http.StatusNoContent)
}
