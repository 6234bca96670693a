package console

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/gorilla/mux"

	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/internal/input"
	"github.com/wifihk/wifihk/internal/token"
	"github.com/wifihk/wifihk/staff"
)

type staffData struct {
	Rows     []staff.Staff
	Orgs     []hotspots.Org
	Self     string
	Form     staff.StaffInput
	BadField string
	// Password is a new or reset console password, for PasswordFor, shown
	// on this answer only.
	Password, PasswordFor string
}

// MayManageStaff reports whether the staff page is for this principal.
func (v *view) MayManageStaff() bool { return v.User != nil && v.User.IsAdmin() }

func (c *Console) staffPage(w http.ResponseWriter, r *http.Request, v *view) string {
	return c.renderStaff(v, &staffData{Form: staff.StaffInput{Role: staff.RoleOperator}})
}

func (c *Console) renderStaff(v *view, d *staffData) string {
	v.Title, v.Section, v.Data = v.T("staff_title"), "staff", d
	if !v.User.IsAdmin() {
		return c.fail(v, errForbidden)
	}
	all, err := c.auth.ListStaff()
	if err != nil {
		return c.fail(v, err)
	}
	if d.Orgs, err = c.reg.ListOrgs(); err != nil {
		return c.fail(v, err)
	}
	d.Rows, d.Self = all, v.User.Username
	staffSummary(v, all)
	return "staff"
}

// newPassword is a console password made for someone: 256 random bits.
func newPassword() string {
	p, _ := token.New("")
	return p
}

func (c *Console) staffCreate(w http.ResponseWriter, r *http.Request, v *view) string {
	g := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	d := &staffData{Form: staff.StaffInput{Username: g("username"), Role: staff.Role(g("role")), Org: g("org")}}
	if !v.User.IsAdmin() {
		return c.fail(v, errForbidden)
	}
	in := d.Form
	in.Password = newPassword()
	s, _, err := c.auth.AddStaff(in)
	if err != nil {
		return c.refuseStaff(v, d, err)
	}
	c.audit(*v.User, "staff.create", s.Username, s.Org, "role="+string(s.Role))
	d.Password, d.PasswordFor, d.Form = in.Password, s.Username, staff.StaffInput{Role: staff.RoleOperator}
	v.Notice = v.T("staff_made", s.Username)
	return c.renderStaff(v, d)
}

// refuseStaff shows the staff service's refusal on the form.
func (c *Console) refuseStaff(v *view, d *staffData, err error) string {
	var fe *input.FieldError
	switch {
	case errors.As(err, &fe):
		v.Error, d.BadField = fe.Error(), fe.Field
	case errors.Is(err, staff.ErrExists):
		v.Error, d.BadField = v.T("staff_exists"), "username"
	case errors.Is(err, staff.ErrLastAdmin):
		v.Error = v.T("staff_last_admin")
	case errors.Is(err, staff.ErrNotFound):
		return c.fail(v, errNotFound)
	default:
		return c.fail(v, err)
	}
	v.Status = http.StatusUnprocessableEntity
	return c.renderStaff(v, d)
}

// staffAction disables, enables, resets the password of, or removes an
// account. Nobody acts on their own account here, so that an admin cannot
// lock themselves out by a slip.
func (c *Console) staffAction(w http.ResponseWriter, r *http.Request, v *view) string {
	if !v.User.IsAdmin() {
		return c.fail(v, errForbidden)
	}
	name, action := mux.Vars(r)["username"], mux.Vars(r)["action"]
	d := &staffData{Form: staff.StaffInput{Role: staff.RoleOperator}}
	if name == v.User.Username {
		v.Status, v.Error = http.StatusUnprocessableEntity, v.T("staff_self")
		return c.renderStaff(v, d)
	}
	s, err := c.auth.Staff(name)
	if err != nil {
		return c.fail(v, errNotFound)
	}
	switch action {
	case "delete":
		v.Section = "staff"
		if !confirmed(r, v, confirmation{Action: c.cfg.Base + "/staff/" + url.PathEscape(name) + "/delete",
			Question: v.T("staff_delete_q", name), Detail: v.T("staff_delete_detail"),
			Button: v.T("staff_delete_label", name), Cancel: c.cfg.Base + "/staff"}) {
			return "confirm"
		}
		err = c.auth.DeleteStaff(name)
	case "disable", "enable":
		off := action == "disable"
		_, err = c.auth.UpdateStaff(name, staff.StaffUpdate{Disabled: &off})
	case "reset":
		pw := newPassword()
		if _, err = c.auth.UpdateStaff(name, staff.StaffUpdate{Password: &pw}); err == nil {
			d.Password, d.PasswordFor = pw, name
		}
	}
	if err != nil {
		return c.refuseStaff(v, d, err)
	}
	c.audit(*v.User, "staff."+action, name, s.Org, "")
	v.Notice = v.T("staff_done_"+action, name)
	return c.renderStaff(v, d)
}
