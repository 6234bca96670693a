package console

import (
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/internal/i18n"
	"github.com/wifihk/wifihk/staff"
	"github.com/wifihk/wifihk/visitors"
)

// view is what every page template gets: the layout's fields and the
// page's own data in Data.
type view struct {
	Lang, HTMLLang string
	Base           string
	Title          string
	Section        string // the nav entry to mark current
	User           *staff.Principal
	CSRF           string
	Langs          []langLink
	Error, Notice  string
	Status         int
	Refresh        bool     // a live view: console.js reloads it every minute
	Summary        []figure // the strip of key figures under the heading
	Data           any
	now            time.Time
	gzip           bool // the browser takes gzip
}

func (c *Console) newView(w http.ResponseWriter, r *http.Request) *view {
	l := i18n.Pick(r, r.URL.Query().Get("lang"))
	if q := i18n.Known(r.URL.Query().Get("lang")); q != "" {
		http.SetCookie(w, &http.Cookie{Name: i18n.Cookie, Value: q, Path: "/", MaxAge: 365 * 86400,
			HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil})
	}
	return &view{Lang: l, HTMLLang: i18n.HTMLLang(l), Base: c.cfg.Base, User: c.principal(r),
		CSRF: c.csrf.Token(w, r), Langs: langLinks(r, l), now: c.cfg.Now(),
		gzip: strings.Contains(r.Header.Get("Accept-Encoding"), "gzip")}
}

// T translates key into the page's language.
func (v *view) T(key string, args ...any) string { return tr(v.Lang, key, args...) }

// District names a district in the page's language.
func (v *view) District(en string) string { return districtName(v.Lang, en) }

// Type names a venue type in the page's language.
func (v *view) Type(en string) string { return hotspots.TypeName(en, v.Lang) }

// RoleText describes the signed-in principal's role.
func (v *view) RoleText() string {
	if v.User == nil {
		return ""
	}
	switch v.User.Role {
	case staff.RoleAdmin:
		return v.T("role_admin")
	case staff.RoleOperator:
		return v.T("role_operator", v.User.Org)
	}
	if v.User.Org != "" {
		return v.T("role_viewer_org", v.User.Org)
	}
	return v.T("role_viewer")
}

// CanWrite reports whether the principal may change org's data.
func (v *view) CanWrite(org string) bool { return v.User != nil && v.User.CanWrite(org) }

// Count shows a number that may be unknown.
func (v *view) Count(c hotspots.Count) string {
	if !c.Known {
		return v.T("unknown")
	}
	return fmt.Sprint(c.N)
}

// GB shows a byte count that may be unknown in gigabytes.
func (v *view) GB(c hotspots.Count) string {
	if !c.Known {
		return v.T("unknown")
	}
	return fmt.Sprintf("%.2f", float64(c.N)/1e9)
}

// Ago says how long before the page's time t was, or "—" for never.
func (v *view) Ago(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return humanDuration(v.now.Sub(t))
}

// Time shows t in Hong Kong time.
func (v *view) Time(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(hongKong).Format("2006-01-02 15:04")
}

func humanDuration(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}

// humanBytes shows n bytes with a binary-free SI unit.
func humanBytes(n uint64) string {
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := uint64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %cB", float64(n)/float64(div), "kMGTPE"[exp])
}

// VenueURL is a venue's console page; location IDs may hold slashes,
// which stay as path separators.
func (v *view) VenueURL(key hotspots.VenueKey) string { return venuePath(v.Base, key) }

func venuePath(base string, key hotspots.VenueKey) string {
	parts := strings.Split(key.LocationID(), "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return base + "/venues/" + url.PathEscape(key.Org()) + "/" + strings.Join(parts, "/")
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

// field is one input of a form, for the "field" template.
type field struct {
	ID, Label, Type, Value, Err string
	Req, RO                     bool
}

var funcs = template.FuncMap{
	"bytes": humanBytes,
	"div":   func(a, b int) int { return a / b },
	"inc":   func(i int) int { return i + 1 },
	"list":  func(s ...string) []string { return s },
	"fld": func(id, label, typ, value, err string, req, ro bool) field {
		return field{ID: id, Label: label, Type: typ, Value: value, Err: err, Req: req, RO: ro}
	},
}

// Who is a session's user as staff read it: a free pass or a voucher by
// what it is (their names are opaque tags), an account by its name.
func (v *view) Who(username, mac string) string {
	switch {
	case visitors.IsFreePass(username):
		return v.T("who_free", mac)
	case visitors.IsVoucherName(username):
		return v.T("who_voucher", mac)
	}
	return username
}

// Sees reports whether the principal sees the sessions and gateways of
// org: its own organisation's, and those of no organisation only when it
// is not limited to one.
func (v *view) Sees(org string) bool {
	return v.User.CanRead(org) && (org != "" || v.User.Scope() == "")
}
