package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gorilla/mux"

	"github.com/wifihk/wifihk/internal/web"
	"github.com/wifihk/wifihk/staff"
)

// staffView is a staff account without its hashes.
type staffView struct {
	Username    string     `json:"username"`
	Role        staff.Role `json:"role"`
	Org         string     `json:"org,omitempty"`
	HasPassword bool       `json:"has_password"`
	Disabled    bool       `json:"disabled"`
	Created     time.Time  `json:"created"`
	Updated     time.Time  `json:"updated"`
	Token       string     `json:"token,omitempty"` // only when just made
}

func viewStaff(s staff.Staff) staffView {
	return staffView{Username: s.Username, Role: s.Role, Org: s.Org, HasPassword: s.HasPassword(),
		Disabled: s.Disabled, Created: s.Created, Updated: s.Updated}
}

// adminOnly answers 403 for anyone but an admin.
func adminOnly(w http.ResponseWriter, p staff.Principal) bool {
	if p.IsAdmin() {
		return true
	}
	forbidden(w, "only an admin may manage staff")
	return false
}

func (a *API) listStaff(w http.ResponseWriter, r *http.Request, p staff.Principal) {
	page, per, ok := paging(w, r)
	if !ok || !adminOnly(w, p) {
		return
	}
	all, err := a.auth.ListStaff()
	if err != nil {
		a.fail(w, err)
		return
	}
	out := make([]staffView, len(all))
	for i, s := range all {
		out[i] = viewStaff(s)
	}
	web.WriteJSON(w, http.StatusOK, pageOf(out, page, per))
}

func (a *API) createStaff(w http.ResponseWriter, r *http.Request, p staff.Principal) {
	var in staff.StaffInput
	if !web.DecodeJSON(w, r, a.cfg.MaxBody, &in) || !adminOnly(w, p) {
		return
	}
	s, token, err := a.auth.AddStaff(in)
	if err != nil {
		a.fail(w, err)
		return
	}
	a.audit(p, "staff.create", s.Username, s.Org, "role="+string(s.Role))
	v := viewStaff(s)
	v.Token = token
	web.WriteJSON(w, http.StatusCreated, v)
}

func (a *API) getStaff(w http.ResponseWriter, r *http.Request, p staff.Principal) {
	if !adminOnly(w, p) {
		return
	}
	s, err := a.auth.Staff(mux.Vars(r)["username"])
	if err != nil {
		a.fail(w, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, viewStaff(s))
}

func (a *API) updateStaff(w http.ResponseWriter, r *http.Request, p staff.Principal) {
	var in staff.StaffUpdate
	if !web.DecodeJSON(w, r, a.cfg.MaxBody, &in) || !adminOnly(w, p) {
		return
	}
	name := mux.Vars(r)["username"]
	s, err := a.auth.UpdateStaff(name, in)
	if err != nil {
		a.fail(w, err)
		return
	}
	detail := "role=" + string(s.Role) + " disabled=" + strconv.FormatBool(s.Disabled)
	if in.Password != nil {
		detail += " password changed"
	}
	a.audit(p, "staff.update", name, s.Org, detail)
	web.WriteJSON(w, http.StatusOK, viewStaff(s))
}

func (a *API) deleteStaff(w http.ResponseWriter, r *http.Request, p staff.Principal) {
	if !adminOnly(w, p) {
		return
	}
	name := mux.Vars(r)["username"]
	if err := a.auth.DeleteStaff(name); err != nil {
		a.fail(w, err)
		return
	}
	a.audit(p, "staff.delete", name, "", "")
	w.WriteHeader(http.StatusNoContent)
}

func (a *API) rotateStaffToken(w http.ResponseWriter, r *http.Request, p staff.Principal) {
	if !adminOnly(w, p) {
		return
	}
	name := mux.Vars(r)["username"]
	token, err := a.auth.RotateToken(name)
	if err != nil {
		a.fail(w, err)
		return
	}
	a.audit(p, "staff.token.rotate", name, "", "")
	web.WriteJSON(w, http.StatusOK, map[string]string{"username": name, "token": token})
}

func (a *API) listAudit(w http.ResponseWriter, r *http.Request, p staff.Principal) {
	q := r.URL.Query()
	limit, before := 100, uint64(0)
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 1000 {
			web.Invalid(w, "limit", "%q is not between 1 and 1000", s)
			return
		}
		limit = n
	}
	if s := q.Get("before"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			web.Invalid(w, "before", "%q is not a sequence number", s)
			return
		}
		before = n
	}
	org := q.Get("org")
	if scope := p.Scope(); scope != "" {
		if org != "" && org != scope {
			forbidden(w, "you may see organisation %q only", scope)
			return
		}
		org = scope
	}
	entries, err := a.reg.AuditLog(org, before, limit)
	if err != nil {
		a.fail(w, err)
		return
	}
	if entries == nil {
		entries = []hotspotsAudit{}
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": entries})
}
