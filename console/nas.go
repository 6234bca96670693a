package console

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/gorilla/mux"

	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/internal/token"
)

type nasRow struct {
	hotspots.NAS
	Open     int
	LastAcct time.Time
	CanWrite bool
	// DroppedHour is how many of its packets were dropped in the last hour.
	DroppedHour int64
}

type nasData struct {
	Rows     []nasRow
	CanAdd   bool
	Form     nasForm
	BadField string
	// Secret is a new NAS's shared secret, shown on this answer only.
	Secret, SecretFor string
	SessionsOff       bool
	Drops             dropsData
}

// nasForm is the add form as typed.
type nasForm struct {
	Name, IP, Venue, RequireMA, PortalAuth, CoAPort string
}

func (c *Console) nasPage(w http.ResponseWriter, r *http.Request, v *view) string {
	d := &nasData{Form: nasForm{RequireMA: hotspots.MARequire, PortalAuth: "chap", CoAPort: "3799"}}
	return c.renderNAS(v, d)
}

// renderNAS fills the list of the gateways the principal sees.
func (c *Console) renderNAS(v *view, d *nasData) string {
	v.Title, v.Section, v.Data = v.T("nas_title"), "nas", d
	d.CanAdd, d.SessionsOff = mayManage(v), c.cfg.Sessions == nil
	all, err := c.reg.ListNAS()
	if err != nil {
		return c.fail(v, err)
	}
	activity := map[string]*nasAlert{}
	if c.cfg.Sessions != nil {
		if activity, err = c.nasActivity(v); err != nil {
			return c.fail(v, err)
		}
	}
	for _, n := range all {
		org := n.Hotspot.Org()
		if !v.Sees(org) {
			continue
		}
		row := nasRow{NAS: n, CanWrite: v.User.CanWrite(org)}
		if a := activity[n.ID]; a != nil {
			row.Open, row.LastAcct = a.Open, a.LastAcct
		}
		d.Rows = append(d.Rows, row)
	}
	d.Drops = c.nasDrops(v, d.Rows)
	nasSummary(v, d)
	return "nas"
}

// parseNASForm reads the add form into what AddNAS takes; the secret is
// made here, never typed.
func parseNASForm(f nasForm) (hotspots.NASInput, error) {
	in := hotspots.NASInput{Name: f.Name, IP: f.IP, Hotspot: hotspots.VenueKey(f.Venue), RequireMA: f.RequireMA, PortalAuth: f.PortalAuth}
	if f.Venue != "" {
		org, loc, ok := strings.Cut(f.Venue, "/")
		if !ok || org == "" || loc == "" || len(f.Venue) > 200 || strings.IndexFunc(f.Venue, unicode.IsControl) >= 0 {
			return in, &formError{"venue", "nas_bad_venue"}
		}
	}
	if f.CoAPort != "" {
		p, err := strconv.Atoi(f.CoAPort)
		if err != nil || p < 1 || p > 65535 {
			return in, &formError{"coa_port", "nas_bad_port"}
		}
		in.CoAPort = p
	}
	in.Secret, _ = token.New("")
	return in, nil
}

// nasFields are AddNAS's error prefixes and the form fields they name.
var nasFields = map[string]string{"name": "name", "ip": "ip", "hotspot": "venue", "coa-port": "coa_port",
	"require-message-authenticator": "require_ma", "portal-auth": "portal_auth"}

func (c *Console) nasCreate(w http.ResponseWriter, r *http.Request, v *view) string {
	g := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	d := &nasData{Form: nasForm{Name: g("name"), IP: g("ip"), Venue: g("venue"), RequireMA: g("require_ma"),
		PortalAuth: g("portal_auth"), CoAPort: g("coa_port")}}
	if !mayManage(v) {
		return c.fail(v, errForbidden)
	}
	refuse := func(field, msg string) string {
		v.Status, v.Error, d.BadField = http.StatusUnprocessableEntity, msg, field
		return c.renderNAS(v, d)
	}
	in, err := parseNASForm(d.Form)
	var fe *formError
	if errors.As(err, &fe) {
		return refuse(fe.Field, v.T(fe.Key))
	}
	if !v.User.IsAdmin() {
		if in.Hotspot == "" {
			return refuse("venue", v.T("nas_need_venue"))
		}
		if !v.User.CanWrite(in.Hotspot.Org()) {
			return refuse("venue", v.T("nas_not_yours"))
		}
		if err := hotspots.CheckOperatorRange(in.IP); err != nil {
			return refuse("ip", err.Error())
		}
	}
	n, err := c.reg.AddNAS(in)
	if err != nil {
		msg := strings.TrimPrefix(err.Error(), "hotspots: ")
		if errors.Is(err, hotspots.ErrNASExists) && !v.User.IsAdmin() {
			msg = v.T("nas_exists") // which other NAS is not the operator's to know
		}
		field, _, _ := strings.Cut(msg, ":")
		return refuse(nasFields[field], msg)
	}
	c.audit(*v.User, "nas.create", n.ID, n.Hotspot.Org(), n.Prefix.String())
	d.Secret, d.SecretFor, d.Form = in.Secret, n.Name, nasForm{RequireMA: hotspots.MARequire, PortalAuth: "chap", CoAPort: "3799"}
	v.Notice = v.T("nas_made", n.Name)
	return c.renderNAS(v, d)
}

func (c *Console) nasDelete(w http.ResponseWriter, r *http.Request, v *view) string {
	n, err := c.reg.NASByID(mux.Vars(r)["id"])
	if err != nil || !v.Sees(n.Hotspot.Org()) {
		return c.fail(v, errNotFound)
	}
	if !v.User.CanWrite(n.Hotspot.Org()) {
		return c.fail(v, errForbidden)
	}
	v.Section = "nas"
	if !confirmed(r, v, confirmation{Action: c.cfg.Base + "/nas/" + url.PathEscape(n.ID) + "/delete",
		Question: v.T("nas_delete_q", n.Name), Detail: v.T("nas_delete_detail", n.Prefix.String()),
		Button: v.T("nas_delete_label", n.Name), Cancel: c.cfg.Base + "/nas"}) {
		return "confirm"
	}
	if err := c.reg.DeleteNAS(n.ID); err != nil {
		return c.fail(v, err)
	}
	c.audit(*v.User, "nas.delete", n.ID, n.Hotspot.Org(), n.Prefix.String())
	http.Redirect(w, r, c.cfg.Base+"/nas", http.StatusSeeOther)
	return ""
}
