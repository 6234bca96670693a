package portal

import (
	"errors"
	"net/http"

	"github.com/wifihk/wifihk/visitors"
)

// checkPassword runs an argon2id check with bounded concurrency (each
// takes 64 MiB).
func (p *Portal) checkPassword(contact, password string) (visitors.Credential, error) {
	p.hashing <- struct{}{}
	defer func() { <-p.hashing }()
	return p.cfg.Visitors.SignIn(contact, password)
}

func (p *Portal) signin(w http.ResponseWriter, r *http.Request, v *view) {
	contact, err := visitors.SignInName(r.PostFormValue("contact"))
	if err != nil {
		p.log.Info("sign-in refused", "err", err)
		v.loginPage(http.StatusBadRequest, tr(v.lang, "err_signin"))
		return
	}
	if !p.perDest.Allow("signin/" + contact) {
		v.slowDown()
		return
	}
	// Per-account back-off (web.Backoff's policy): a wrong password from
	// the third in a row on makes the account wait 1s, doubling, at most
	// 30s, whichever address the tries come from.
	if d := p.signins.Wait(contact); d > 0 {
		v.slowDownFor(d)
		return
	}
	acct, err := p.checkPassword(contact, r.PostFormValue("password"))
	if errors.Is(err, visitors.ErrBadPassword) {
		p.signins.Failed(contact)
	}
	if err != nil {
		p.log.Info("sign-in refused", "contact", MaskContact(contact), "err", err)
		v.loginPage(http.StatusUnauthorized, tr(v.lang, "err_signin"))
		return
	}
	p.signins.Succeeded(contact)
	v.issueFor(acct)
}

func (p *Portal) signupForm(w http.ResponseWriter, r *http.Request, v *view) {
	if !v.loadToken(v.q.Get("uam")) {
		return
	}
	v.render(http.StatusOK, "signup", v.data("signup_heading"))
}

func (p *Portal) resetForm(w http.ResponseWriter, r *http.Request, v *view) {
	if !v.loadToken(v.q.Get("uam")) {
		return
	}
	v.render(http.StatusOK, "reset", v.data("reset_heading"))
}

// signup records a pending account and sends its code.
func (p *Portal) signup(w http.ResponseWriter, r *http.Request, v *view) {
	again := func(status int, key string) {
		d := v.data("signup_heading")
		d.Error, d.Contact = tr(v.lang, key), r.PostFormValue("contact")
		v.render(status, "signup", d)
	}
	contact, err := visitors.NormalizeContact(r.PostFormValue("contact"))
	if err != nil {
		again(http.StatusBadRequest, "err_contact")
		return
	}
	if err := visitors.ValidPassword(r.PostFormValue("password")); err != nil {
		again(http.StatusBadRequest, "err_password")
		return
	}
	if !p.perDest.Allow("code/" + contact) {
		v.slowDown()
		return
	}
	p.hashing <- struct{}{}
	code, err := p.cfg.Visitors.StartSignUp(contact, r.PostFormValue("password"))
	<-p.hashing
	var msg string
	switch {
	case errors.Is(err, visitors.ErrExists):
		// Answer as for a new contact, so that the page does not say who
		// has an account; the owner is told by message instead.
		msg = "WiFi@HK: " + tr(v.lang, "exists_notice")
	case err != nil:
		p.log.Error("sign-up", "err", err)
		again(http.StatusInternalServerError, "err_internal")
		return
	default:
		msg = "WiFi@HK: " + tr(v.lang, "code") + " " + code
	}
	if !p.send(v, contact, msg) {
		again(http.StatusBadGateway, "err_send")
		return
	}
	v.codePage(contact, false, "")
}

func (p *Portal) sendCode(v *view, contact, code string) bool {
	return p.send(v, contact, "WiFi@HK: "+tr(v.lang, "code")+" "+code)
}

func (p *Portal) send(v *view, contact, msg string) bool {
	if err := p.cfg.Sender.Send(v.r.Context(), contact, msg); err != nil {
		p.log.Error("send code", "contact", MaskContact(contact), "err", err)
		return false
	}
	return true
}

// codePage asks for the code that was sent to contact.
func (v *view) codePage(contact string, reset bool, errKey string) {
	d := v.data("verify_heading")
	if reset {
		d.Title = tr(v.lang, "reset_heading")
	}
	d.Contact, d.Masked, d.Reset = contact, MaskContact(contact), reset
	status := http.StatusOK
	if errKey != "" {
		d.Error, status = tr(v.lang, errKey), http.StatusBadRequest
	}
	v.render(status, "verify", d)
}

// verify checks the sign-up code, creates the account and logs it on.
func (p *Portal) verify(w http.ResponseWriter, r *http.Request, v *view) {
	contact, err := visitors.NormalizeContact(r.PostFormValue("contact"))
	if err != nil {
		v.loginPage(http.StatusBadRequest, tr(v.lang, "err_contact"))
		return
	}
	acct, err := p.cfg.Visitors.FinishSignUp(contact, r.PostFormValue("code"))
	if err != nil {
		v.codePage(contact, false, "err_code")
		return
	}
	p.log.Info("account created", "contact", MaskContact(contact))
	v.issueFor(acct)
}

// reset sends a reset code; it answers the same whether or not the
// contact has an account.
func (p *Portal) reset(w http.ResponseWriter, r *http.Request, v *view) {
	contact, err := visitors.NormalizeContact(r.PostFormValue("contact"))
	if err != nil {
		d := v.data("reset_heading")
		d.Error = tr(v.lang, "err_contact")
		v.render(http.StatusBadRequest, "reset", d)
		return
	}
	if !p.perDest.Allow("code/" + contact) {
		v.slowDown()
		return
	}
	if code, err := p.cfg.Visitors.StartReset(contact); err == nil {
		p.sendCode(v, contact, code)
	}
	v.codePage(contact, true, "")
}

func (p *Portal) resetFinish(w http.ResponseWriter, r *http.Request, v *view) {
	contact, err := visitors.NormalizeContact(r.PostFormValue("contact"))
	if err != nil {
		v.loginPage(http.StatusBadRequest, tr(v.lang, "err_contact"))
		return
	}
	pw := r.PostFormValue("password")
	if err := visitors.ValidPassword(pw); err != nil {
		v.codePage(contact, true, "err_password")
		return
	}
	p.hashing <- struct{}{}
	err = p.cfg.Visitors.FinishReset(contact, r.PostFormValue("code"), pw)
	<-p.hashing
	if err != nil {
		v.codePage(contact, true, "err_code")
		return
	}
	acct, err := p.cfg.Visitors.Get(contact)
	if err != nil {
		v.message(http.StatusInternalServerError, "err_internal", "err_internal")
		return
	}
	v.issueFor(acct)
}
