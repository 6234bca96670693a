package portal

import (
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/wifihk/wifihk/internal/web"
	"github.com/wifihk/wifihk/visitors"
)

// WISPr 1.0 smart clients (carrier apps, some OS login helpers) log in
// without a browser. CoovaChilli's redirect carries, in an HTML comment, a
// <WISPAccessGatewayParam> whose LoginURL is the uamserver (or chilli's
// wisprlogin setting) with res=wispr, uamip, uamport and challenge: no md,
// no mac, no nasid. The client POSTs UserName and Password there; the
// portal checks them as the sign-in form does and sends the client on to
// the gateway's /logon with the account's own name and a CHAP response
// (or PAP password), as CoovaChilli's hotspotlogin.cgi does; the gateway's
// reply says whether RADIUS accepted and gives the LogoffURL. Since the
// LoginURL names no NAS, chilli's wisprlogin must add nasid=
// (docs/GATEWAYS.md). Without a MAC the portal cannot issue a one-time
// credential bound to the device, so the account's password goes to
// RADIUS: CHAP needs an account with a CHAP copy (user add -chap), PAP
// (nas -portal-auth pap) works for every account.

// WISPr message types and response codes (WISPr 1.0, as CoovaChilli's
// redir.c sends them).
const (
	WISPrRedirect       = 100 // gateway info: where to log in
	WISPrProxy          = 110 // go on to NextURL
	WISPrAuthReply      = 120 // reply to the login POST
	WISPrAuthPollReply  = 140 // the gateway's reply once RADIUS answered
	WISPrNoError        = 0
	WISPrLoginSucceeded = 50
	WISPrLoginFailed    = 100
	WISPrProxyDetection = 200
	WISPrInternalError  = 255
)

// WISPrParam is the <WISPAccessGatewayParam> document: one of its
// elements, as the message type says.
type WISPrParam struct {
	XMLName                 xml.Name      `xml:"WISPAccessGatewayParam"`
	Redirect                *WISPrMessage `xml:"Redirect,omitempty"`
	Proxy                   *WISPrMessage `xml:"Proxy,omitempty"`
	AuthenticationReply     *WISPrMessage `xml:"AuthenticationReply,omitempty"`
	AuthenticationPollReply *WISPrMessage `xml:"AuthenticationPollReply,omitempty"`
}

// WISPrMessage holds the fields any WISPr 1.0 message may carry.
type WISPrMessage struct {
	MessageType     int    `xml:"MessageType"`
	ResponseCode    int    `xml:"ResponseCode"`
	AccessProcedure string `xml:"AccessProcedure,omitempty"`
	AccessLocation  string `xml:"AccessLocation,omitempty"`
	LocationName    string `xml:"LocationName,omitempty"`
	LoginURL        string `xml:"LoginURL,omitempty"`
	AbortLoginURL   string `xml:"AbortLoginURL,omitempty"`
	NextURL         string `xml:"NextURL,omitempty"`
	ReplyMessage    string `xml:"ReplyMessage,omitempty"`
	LogoffURL       string `xml:"LogoffURL,omitempty"`
}

// Page is p as an HTML page with the XML in a comment, the way gateways
// send it so that browsers and smart clients read the same answer.
func (p WISPrParam) Page() []byte {
	x, err := xml.MarshalIndent(p, "", " ")
	if err != nil {
		panic(err) // fixed types of strings and ints: cannot fail
	}
	return []byte("<!DOCTYPE html>\n<html><head><title>WiFi@HK</title></head><body>\n<!--\n" + xml.Header +
		strings.ReplaceAll(string(x), "--", "&#45;&#45;") + "\n-->\n</body></html>\n")
}

// ErrNoWISPr means a page carries no WISPr document.
var ErrNoWISPr = errors.New("portal: no <WISPAccessGatewayParam> in the page")

// ParseWISPr finds and decodes the WISPr document in a page.
func ParseWISPr(page []byte) (WISPrParam, error) {
	s := string(page)
	i := strings.Index(s, "<WISPAccessGatewayParam")
	if i < 0 {
		return WISPrParam{}, ErrNoWISPr
	}
	j := strings.Index(s[i:], "</WISPAccessGatewayParam>")
	if j < 0 {
		return WISPrParam{}, fmt.Errorf("%w: unterminated", ErrNoWISPr)
	}
	var p WISPrParam
	if err := xml.Unmarshal([]byte(s[i:i+j+len("</WISPAccessGatewayParam>")]), &p); err != nil {
		return WISPrParam{}, fmt.Errorf("portal: WISPr document: %w", err)
	}
	return p, nil
}

// wisprParams parses a WISPr LoginURL query: nasid (added by wisprlogin),
// uamip, uamport and challenge; the rest of a UAM query is not there.
func wisprParams(raw string) (Params, error) {
	q, err := gatewayQuery(raw)
	if err != nil {
		return Params{}, err
	}
	u := Params{Res: "wispr"}
	if u.UAMIP, err = parseUAMIP(q.Get("uamip")); err == nil {
		if u.UAMPort, err = parsePort(q.Get("uamport")); err == nil {
			if u.Challenge, err = parseChallenge(q.Get("challenge"), ResNotYet, false); err == nil {
				u.NASID, err = token("nasid", q.Get("nasid"), 64)
			}
		}
	}
	if err == nil && u.NASID == "" {
		err = errors.New("nasid: required (set CoovaChilli's wisprlogin to the portal URL with ?nasid=)")
	}
	if err != nil {
		return Params{}, fmt.Errorf("%w: %v", ErrBadQuery, err)
	}
	return u, nil
}

// wispr serves GET and POST /portal?res=wispr.
func (p *Portal) wispr(w http.ResponseWriter, r *http.Request) {
	reply := func(status int, m WISPrParam) {
		pageHeaders(w.Header(), "")
		w.WriteHeader(status)
		w.Write(m.Page())
	}
	fail := func(status, code int, msg string) {
		reply(status, WISPrParam{AuthenticationReply: &WISPrMessage{MessageType: WISPrAuthReply, ResponseCode: code, ReplyMessage: msg}})
	}
	u, err := wisprParams(r.URL.RawQuery)
	var ok bool
	if err == nil {
		_, ok = p.findNAS(u)
	}
	if err != nil || !ok {
		p.log.Info("WISPr login with a bad LoginURL", "err", err, "nasid", u.NASID, "ip", clientIP(r))
		fail(http.StatusBadRequest, WISPrInternalError, "This LoginURL does not name a WiFi@HK gateway")
		return
	}
	if r.Method != http.MethodPost {
		reply(http.StatusOK, WISPrParam{Redirect: &WISPrMessage{MessageType: WISPrRedirect, ResponseCode: WISPrNoError,
			AccessProcedure: "1.0", AccessLocation: u.NASID, LoginURL: p.publicBase(r) + "?" + r.URL.RawQuery,
			AbortLoginURL: gatewayURL(u, "/abort")}})
		return
	}
	to, code, msg := p.wisprLogin(w, r, u)
	if code != WISPrProxyDetection {
		fail(http.StatusOK, code, msg)
		return
	}
	pageHeaders(w.Header(), "")
	w.Header().Set("Location", to)
	w.WriteHeader(http.StatusFound)
	w.Write(WISPrParam{Proxy: &WISPrMessage{MessageType: WISPrProxy, ResponseCode: WISPrProxyDetection, NextURL: to}}.Page())
}

// wisprLogin checks a smart client's UserName and Password and returns
// the gateway's /logon URL to go on to, or a WISPr code and message.
func (p *Portal) wisprLogin(w http.ResponseWriter, r *http.Request, u Params) (to string, code int, msg string) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		return "", WISPrInternalError, "Bad request"
	}
	if !p.perIP.Allow(web.AddrKey(clientIP(r))) {
		return "", WISPrLoginFailed, "Too many attempts; try again in a minute"
	}
	name, err := visitors.SignInName(r.PostFormValue("UserName"))
	if err != nil || !p.perDest.Allow("signin/"+name) {
		p.log.Info("WISPr login refused", "err", err)
		return "", WISPrLoginFailed, "Invalid username or password"
	}
	nas, _ := p.findNAS(u)
	password := r.PostFormValue("Password")
	acct, err := p.checkPassword(name, password)
	if err == nil {
		_, err = visitors.Admit(acct, nas, p.cfg.NAS.PlanForNAS(nas, p.cfg.DefaultPlan))
	}
	pap := nas.PortalAuth == "pap"
	if err == nil && !pap && acct.SecretSealed == "" {
		err = errors.New("the account has no CHAP copy of its password and the NAS logs on by CHAP")
	}
	if err != nil {
		p.log.Info("WISPr login refused", "contact", MaskContact(name), "nas", nas.Name, "err", err)
		return "", WISPrLoginFailed, "Invalid username or password"
	}
	sec, err := p.cfg.NAS.UAMSecret(nas)
	if err == nil {
		to, err = LogonURL(u, sec, acct.Username, password, pap)
	}
	if err != nil {
		p.log.Error("WISPr logon URL", "nas", nas.Name, "err", err)
		return "", WISPrInternalError, "Internal error"
	}
	return to, WISPrProxyDetection, ""
}
