package console

import (
	"errors"
	"net/http"
	"strings"

	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/internal/web"
	"github.com/wifihk/wifihk/staff"
)

type loginData struct {
	Next, Username string
}

func (c *Console) loginForm(w http.ResponseWriter, r *http.Request, v *view) string {
	next := c.safeNext(r.URL.Query().Get("next"))
	if v.User != nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return ""
	}
	v.Title, v.Data = v.T("sign_in"), loginData{Next: next}
	return "login"
}

// login checks a staff password and signs the staff member in.
func (c *Console) login(w http.ResponseWriter, r *http.Request, v *view) string {
	user := strings.TrimSpace(r.PostFormValue("username"))
	next := c.safeNext(r.PostFormValue("next"))
	v.Title, v.Data = v.T("sign_in"), loginData{Next: next, Username: user}
	if !c.logins.Allow(web.ClientKey(r)) {
		c.met.login("throttled")
		v.Status, v.Error = http.StatusTooManyRequests, v.T("err_throttled")
		return "login"
	}
	signIn, err := c.auth.Login(user, r.PostFormValue("password"))
	switch {
	case errors.Is(err, staff.ErrThrottled):
		c.met.login("throttled")
		if t := (*staff.Throttled)(nil); errors.As(err, &t) {
			web.RetryAfter(w, t.After)
		}
		v.Status, v.Error = http.StatusTooManyRequests, v.T("err_throttled")
		return "login"
	case errors.Is(err, staff.ErrUnauthenticated):
		c.met.login("failed")
		v.Status, v.Error = http.StatusUnauthorized, v.T("err_login")
		return "login"
	case err != nil:
		return c.fail(v, err)
	}
	c.met.login("ok")
	staff.SetCookie(w, r, signIn)
	c.audit(signIn.Principal, "staff.login", signIn.Principal.Username, signIn.Principal.Org, "console")
	http.Redirect(w, r, next, http.StatusSeeOther)
	return ""
}

func (c *Console) logout(w http.ResponseWriter, r *http.Request, v *view) string {
	if ck, err := r.Cookie(staff.CookieName); err == nil {
		if err := c.auth.Logout(ck.Value); err != nil {
			return c.fail(v, err)
		}
	}
	staff.ClearCookie(w, r)
	http.Redirect(w, r, c.cfg.Base+"/login", http.StatusSeeOther)
	return ""
}

// safeNext keeps a post-login redirect inside the console: no open
// redirects.
func (c *Console) safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, c.cfg.Base+"/") || strings.ContainsAny(next, "\\\r\n") ||
		strings.HasPrefix(next, "//") || strings.Contains(next, "/../") || next == c.cfg.Base+"/login" {
		return c.cfg.Base + "/coverage"
	}
	return next
}

func (c *Console) audit(p staff.Principal, action, object, org, detail string) {
	err := c.reg.Audit(hotspots.AuditEntry{Actor: p.Actor(), Action: action, Object: object, Org: org, Detail: detail})
	if err != nil {
		c.log.Error("audit log", "action", action, "err", err)
	}
}
