package api

import (
	"errors"
	"net/http"

	"github.com/wifihk/wifihk/internal/web"
	"github.com/wifihk/wifihk/staff"
)

type loginBody struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// login checks a password and sets the console sign-in cookie.
func (a *API) login(w http.ResponseWriter, r *http.Request) {
	if !a.logins.Allow(web.ClientKey(r)) {
		web.Error(w, http.StatusTooManyRequests, "too many login attempts from this address")
		return
	}
	var in loginBody
	if !web.DecodeJSON(w, r, a.cfg.MaxBody, &in) {
		return
	}
	signIn, err := a.auth.Login(in.Username, in.Password)
	switch {
	case errors.Is(err, staff.ErrThrottled):
		if t := (*staff.Throttled)(nil); errors.As(err, &t) {
			web.RetryAfter(w, t.After)
		}
		web.Error(w, http.StatusTooManyRequests, "%s", err)
		return
	case errors.Is(err, staff.ErrUnauthenticated):
		web.Error(w, http.StatusUnauthorized, "wrong username or password")
		return
	case err != nil:
		a.fail(w, err)
		return
	}
	staff.SetCookie(w, r, signIn)
	a.audit(signIn.Principal, "staff.login", signIn.Principal.Username, signIn.Principal.Org, "")
	web.WriteJSON(w, http.StatusOK, signIn)
}

// logout ends the console sign-in, if the request has one.
func (a *API) logout(w http.ResponseWriter, r *http.Request, p staff.Principal) {
	if c, err := r.Cookie(staff.CookieName); err == nil {
		if err := a.auth.Logout(c.Value); err != nil {
			a.fail(w, err)
			return
		}
	}
	staff.ClearCookie(w, r)
	w.WriteHeader(http.StatusNoContent)
}

// rotateOwnToken replaces the caller's API token.
func (a *API) rotateOwnToken(w http.ResponseWriter, r *http.Request, p staff.Principal) {
	token, err := a.auth.RotateToken(p.Username)
	if err != nil {
		a.fail(w, err)
		return
	}
	a.audit(p, "staff.token.rotate", p.Username, p.Org, "")
	web.WriteJSON(w, http.StatusOK, map[string]string{"username": p.Username, "token": token})
}

func (a *API) me(w http.ResponseWriter, r *http.Request, p staff.Principal) {
	web.WriteJSON(w, http.StatusOK, p)
}
