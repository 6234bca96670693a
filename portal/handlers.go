package portal

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/visitors"
)

// landing is GET /portal: the gateway's redirect, or a return to the start
// with a signed context (?uam=).
func (p *Portal) landing(w http.ResponseWriter, r *http.Request, v *view) {
	if v.q.Get("res") == "wispr" {
		p.wispr(w, r) // a WISPr smart client's LoginURL (wispr.go)
		return
	}
	if tok := v.q.Get("uam"); tok != "" {
		if !v.loadToken(tok) {
			return
		}
	} else if r.URL.RawQuery == "" {
		v.message(http.StatusOK, "err_gateway", "err_gateway")
		return
	} else if !v.loadUAM(r.URL.RawQuery, p.requestURL(r), true) {
		return
	}
	switch v.uam.Res {
	case ResSuccess, ResAlready:
		p.status(w, r, v)
	case ResLogoff:
		v.loggedOff()
	case ResFailed:
		v.loginPage(http.StatusOK, tr(v.lang, "failed"))
	default:
		v.loginPage(http.StatusOK, "")
	}
}

// loggedOff is the page after logout. Its way back to the start is the
// gateway's /prelogin, which redirects here again with a fresh challenge:
// this page's own context (res=logoff) would only show it again.
func (v *view) loggedOff() {
	d := v.data("logout")
	d.Heading, d.Body = tr(v.lang, "logout"), tr(v.lang, "logged_off")
	d.Back = v.gateway + "/prelogin"
	v.render(http.StatusOK, "message", d)
}

// loginPage renders the landing page with an optional error.
func (v *view) loginPage(status int, errMsg string) {
	d := v.loginData(errMsg)
	if errMsg != "" {
		v.render(status, "login", d)
		return
	}
	v.write(status, v.p.landingCache.page(v, d))
}

func (v *view) loginData(errMsg string) *pageData {
	d := v.data("title")
	d.Error = errMsg
	if v.nas.Hotspot != "" {
		d.Venue = v.p.cfg.NAS.VenueName(v.nas.Hotspot, v.lang)
	}
	kind := v.plan.Kind
	d.FreeOffered = kind == hotspots.PlanFree || kind == hotspots.PlanFreeTimed
	d.AccountsOffered = kind != hotspots.PlanVoucher
	d.Minutes = v.plan.SessionTimeout / 60
	if v.p.cfg.Remember > 0 {
		d.RememberDays = v.p.cfg.Remember
	}
	if kind == hotspots.PlanFreeTimed && v.plan.SessionsPerDay > 0 {
		used, err := v.p.cfg.Visitors.FreeUsedToday(v.uam.MAC)
		if err != nil {
			v.p.log.Error("free allowance", "err", err)
		}
		d.PerDay = v.plan.SessionsPerDay
		d.FreeLeft = max(d.PerDay-used, 0)
		d.NoFreeLeft = d.FreeLeft == 0
	}
	// The forms the plan does not put first wait behind "other ways",
	// open when the first is used up or a sign-in was refused.
	d.MoreOpen = d.NoFreeLeft || errMsg != ""
	return d
}

func (p *Portal) terms(w http.ResponseWriter, r *http.Request, v *view) {
	v.notice("terms_heading", "terms_body")
}

// privacy is the Personal Information Collection Statement that Hong
// Kong's Personal Data (Privacy) Ordinance expects where personal data is
// collected.
func (p *Portal) privacy(w http.ResponseWriter, r *http.Request, v *view) {
	v.notice("pics_heading", "pics_body")
}

// notice shows the terms or the privacy statement, with how long session
// records are kept; with the login context it leads back to the login.
func (v *view) notice(headingKey, bodyKey string) {
	if tok := v.q.Get("uam"); tok != "" && !v.loadToken(tok) {
		return
	}
	keep := tr(v.lang, "terms_keep_all")
	if d := v.p.cfg.KeepSessions; d > 0 {
		keep = tr(v.lang, "terms_keep", int(d.Hours()/24))
	}
	v.message(http.StatusOK, headingKey, bodyKey, keep)
}

// venueInfo is the RFC 8908 venue-info-url: where the visitor is and whom
// to call for help.
func (p *Portal) venueInfo(w http.ResponseWriter, r *http.Request, v *view) {
	key, err := hotspots.ParseVenueKey(v.q.Get("v"))
	var ven hotspots.Venue
	if err == nil {
		ven, err = p.cfg.NAS.Venue(key)
	}
	if err != nil {
		v.message(http.StatusNotFound, "err_no_venue", "err_no_venue")
		return
	}
	d := v.data("venue_heading")
	d.Heading = p.cfg.NAS.VenueName(key, v.lang)
	address := map[string]string{"zh-Hant": ven.AddressTC, "zh-Hans": ven.AddressSC}[v.lang]
	if address == "" {
		address = ven.AddressEN
	}
	help := tr(v.lang, "help")
	if org, err := p.cfg.NAS.Org(ven.Org); err == nil && (org.SupportHotline != "" || org.SupportEmail != "") {
		help = tr(v.lang, "venue_support", strings.TrimSpace(org.SupportHotline+" "+org.SupportEmail))
	}
	district := ven.District
	if dd, ok := hotspots.LookupDistrict(district); ok && v.lang != "en" {
		district = dd.TC // 中西區 …; Simplified readers read these too
	}
	d.Body = tr(v.lang, "venue_info", ven.TypeIn(v.lang), address, district, help)
	v.render(http.StatusOK, "message", d)
}

// status shows time and data left and the logout link.
func (p *Portal) status(w http.ResponseWriter, r *http.Request, v *view) {
	if !v.hasUAM {
		tok := v.q.Get("uam")
		if tok == "" {
			v.message(http.StatusOK, "err_gateway", "err_gateway")
			return
		}
		if !v.loadToken(tok) {
			return
		}
	}
	d := v.data("status_heading")
	d.Heading = tr(v.lang, "status_heading")
	if v.uam.Res == ResAlready {
		d.Notice = tr(v.lang, "already")
	}
	if v.uam.HID != "" {
		d.Notice = tr(v.lang, "fas_wait")
	}
	d.Online = true
	if v.nas.Hotspot != "" {
		d.Venue = v.p.cfg.NAS.VenueName(v.nas.Hotspot, v.lang)
		d.VenueURL = v.p.cfg.Base + "/venue?v=" + url.QueryEscape(v.nas.Hotspot.String()) + "&lang=" + v.lang
	}
	d.SecondsLeft, d.TimeLeft, d.DataLeft = v.left()
	if v.uam.UserURL != "" {
		d.UserURL = v.uam.UserURL
		if u, err := url.Parse(v.uam.UserURL); err == nil {
			d.UserHost = u.Hostname()
		}
	}
	if v.uam.HID == "" { // openNDS has no logoff URL to link to
		d.LogoffURL = LogoffURL(v.uam)
	}
	v.render(http.StatusOK, "status", d)
}

// left is the time and data left: from the open session when accounting
// knows it, else what the plan gives.
func (v *view) left() (secs int64, timeLeft, dataLeft string) {
	secs, bytes := int64(v.plan.SessionTimeout), v.plan.DataCapMB<<20
	if bytes == 0 {
		bytes = -1
	}
	if secs == 0 {
		secs = -1
	}
	if f := v.p.cfg.TimeLeft; f != nil {
		ip := v.uam.IP
		if !ip.IsValid() {
			ip = clientIP(v.r)
		}
		if s, ok, err := f.TimeLeft(ip, v.uam.MAC); err == nil && ok {
			secs, bytes = s.SecondsLeft, s.BytesLeft
		}
	}
	t, b := tr(v.lang, "unlimited"), tr(v.lang, "unlimited")
	if secs >= 0 {
		t = tr(v.lang, "minutes", (secs+59)/60)
	}
	if bytes >= 0 {
		b = fmt.Sprintf("%.1f MB", float64(bytes)/(1<<20))
	}
	return secs, t, b
}

// connect is the free click-through: accept the terms, get a one-time
// credential, go to the gateway's /logon.
func (p *Portal) connect(w http.ResponseWriter, r *http.Request, v *view) {
	if k := v.plan.Kind; k != hotspots.PlanFree && k != hotspots.PlanFreeTimed {
		v.loginPage(http.StatusForbidden, tr(v.lang, "err_plan"))
		return
	}
	if r.PostFormValue("terms") != "yes" {
		v.loginPage(http.StatusBadRequest, tr(v.lang, "err_terms"))
		return
	}
	perDay := 0
	if v.plan.Kind == hotspots.PlanFreeTimed {
		perDay = v.plan.SessionsPerDay
	}
	plan := v.plan
	c, secret, _, err := p.cfg.Visitors.IssueFree(visitors.OneTimeInput{MAC: v.uam.MAC, NAS: v.nas.ID, Plan: &plan}, perDay)
	if errors.Is(err, visitors.ErrNoFreeLeft) {
		p.log.Info("free session refused: allowance used", "mac", MaskMAC(v.uam.MAC), "nas", v.nas.Name)
		v.message(http.StatusForbidden, "refused_heading", "free_none", perDay)
		return
	}
	if err != nil {
		p.log.Error("issue free credential", "err", err)
		v.message(http.StatusInternalServerError, "err_internal", "err_internal")
		return
	}
	if r.PostFormValue("remember") == "yes" && p.cfg.Remember > 0 {
		if err := p.cfg.Visitors.RememberFreeDevice(visitors.DevicePassInput{MAC: v.uam.MAC, Plan: &plan, Days: p.cfg.Remember}); err != nil {
			p.log.Error("remember device", "err", err)
		}
	}
	v.logon(c.Username, secret)
}

// logon redirects to the gateway's /logon with the credential, or for an
// openNDS client hands it to authmon.
func (v *view) logon(username, secret string) {
	if v.uam.HID != "" {
		v.fasLogon(username, secret)
		return
	}
	to, err := LogonURL(v.uam, v.uamsec, username, secret, v.nas.PortalAuth == "pap")
	if err != nil {
		v.message(http.StatusBadRequest, "err_expired_form", "err_expired_form")
		return
	}
	v.redirect(to)
}

// issueFor logs a signed-in account on through a one-time CHAP
// credential, so the account's password needs no recoverable copy.
func (v *view) issueFor(acct visitors.Credential) {
	plan, err := visitors.Admit(acct, v.nas, v.plan)
	if v.plan.Kind == hotspots.PlanVoucher || err != nil {
		v.loginPage(http.StatusForbidden, tr(v.lang, "err_plan"))
		return
	}
	c, secret, err := v.p.cfg.Visitors.IssueOneTime(visitors.OneTimeInput{MAC: v.uam.MAC, NAS: v.nas.ID, Plan: &plan, Account: acct.Username, Org: acct.Org})
	if err != nil {
		v.p.log.Error("issue account credential", "err", err)
		v.message(http.StatusInternalServerError, "err_internal", "err_internal")
		return
	}
	if v.r.PostFormValue("remember") == "yes" && v.p.cfg.Remember > 0 {
		if err := v.p.cfg.Visitors.RememberAccountDevice(v.uam.MAC, acct.Username, v.p.cfg.Remember); err != nil {
			v.p.log.Error("remember device", "err", err)
		}
	}
	v.logon(c.Username, secret)
}

// voucher logs on with a printed code: the voucher's stored name (an HMAC
// of the code) is the RADIUS username, its sealed secret the password, and
// RADIUS counts its uses.
func (p *Portal) voucher(w http.ResponseWriter, r *http.Request, v *view) {
	code, err := visitors.NormalizeVoucher(r.PostFormValue("code"))
	if err != nil {
		v.loginPage(http.StatusBadRequest, tr(v.lang, "err_voucher"))
		return
	}
	c, err := p.cfg.Visitors.Voucher(code)
	if err == nil {
		_, err = visitors.Admit(c, v.nas, v.plan)
	}
	if err != nil {
		p.log.Info("voucher refused", "mac", MaskMAC(v.uam.MAC), "err", err)
		v.loginPage(http.StatusForbidden, tr(v.lang, "err_voucher"))
		return
	}
	secret, err := p.cfg.Visitors.Secret(c)
	if err != nil {
		p.log.Error("voucher secret", "err", err)
		v.message(http.StatusInternalServerError, "err_internal", "err_internal")
		return
	}
	v.logon(c.Username, secret)
}
