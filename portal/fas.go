package portal

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/wifihk/wifihk/accounting"
	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/visitors"
)

// The portal as openNDS's FAS at fas_secure_enabled 3. Each gateway's
// faspath is Base/opennds/NAS (NAS its name or NAS-ID) and its faskey the
// NAS's UAM secret. The visitor arrives with the encrypted query, signs in
// as on any gateway, and the resulting credential goes through RADIUS's
// admission (Authorizer); the grant then waits in a queue that openNDS's
// authmon polls from the gateway's own address. Its acknowledgement opens
// the accounting session, and openNDS's report of the session's end
// (BinAuth's deauthed) closes it with the gateway's octet counts.

// Authorizer admits a credential the portal issued for a gateway that
// speaks no RADIUS, as an Access-Request from that NAS would be:
// refused is why it was not ("" when admitted), err a store failure.
// *radius.Authenticator implements it.
type Authorizer interface {
	AuthorizeGateway(ctx context.Context, nas hotspots.NAS, username, password, mac string) (g visitors.Grant, refused string, err error)
}

// GatewaySessions records openNDS clients' sessions; *accounting.Store
// implements it.
type GatewaySessions interface {
	Apply(accounting.Update) (bool, error)
	OpenByMAC(mac string) ([]accounting.Session, error)
}

// mountFAS adds the openNDS FAS routes.
func (p *Portal) mountFAS(r *mux.Router) {
	path := p.cfg.Base + "/opennds/{nas}"
	r.Handle(path, p.page(p.fasLanding)).Methods(http.MethodGet, http.MethodHead)
	r.HandleFunc(path, p.authmon).Methods(http.MethodPost)
}

// fasLanding is openNDS's redirect: ?fas=F&iv=IV, encrypted with faskey.
func (p *Portal) fasLanding(w http.ResponseWriter, r *http.Request, v *view) {
	name := mux.Vars(r)["nas"]
	nas, ok := p.cfg.NAS.LookupNAS(name)
	if !ok {
		p.log.Info("openNDS redirect for an unknown NAS", "nas", clip(name))
		v.message(http.StatusBadRequest, "err_unknown_nas", "err_unknown_nas")
		return
	}
	key, err := p.cfg.NAS.UAMSecret(nas)
	if err != nil || key == "" {
		p.log.Error("openNDS redirect for a NAS without a UAM secret (its faskey)", "nas", nas.Name, "err", err)
		v.message(http.StatusInternalServerError, "err_internal", "err_internal")
		return
	}
	q, err := DecryptFAS(v.q.Get("fas"), v.q.Get("iv"), key)
	if err != nil {
		p.log.Info("bad openNDS FAS query", "nas", nas.Name, "ip", clientIP(r), "err", err)
		v.message(http.StatusBadRequest, "err_gateway", "err_gateway")
		return
	}
	if !v.loadUAM(fasContext(name, q), "", false) {
		return
	}
	v.loginPage(http.StatusOK, "")
}

// fasContext is the portal's signed context for an openNDS client, in the
// UAM form the other pages read: the gateway's address as uamip:uamport
// and the client's hid.
func fasContext(nas string, q FASQuery) string {
	c := url.Values{"res": {ResNotYet}, "nasid": {nas}, "hid": {q.HID}, "mac": {q.ClientMAC}, "ip": {q.ClientIP.String()},
		"uamip": {q.GatewayAddr.Addr().String()}, "uamport": {strconv.Itoa(int(q.GatewayAddr.Port()))}}
	if q.OriginURL != "" {
		c.Set("userurl", q.OriginURL)
	}
	return c.Encode()
}

// fasLogon admits an openNDS client's credential and queues the grant
// for the gateway's authmon, which lets the client through on its next
// poll.
func (v *view) fasLogon(username, secret string) {
	p := v.p
	if p.cfg.Gateways == nil {
		v.message(http.StatusInternalServerError, "err_internal", "err_internal")
		return
	}
	g, refused, err := p.cfg.Gateways.AuthorizeGateway(v.r.Context(), v.nas, username, secret, v.uam.MAC)
	if err != nil {
		p.log.Error("openNDS admission", "nas", v.nas.Name, "err", err)
		v.message(http.StatusInternalServerError, "err_internal", "err_internal")
		return
	}
	if refused != "" {
		v.loginPage(http.StatusForbidden, tr(v.lang, "failed"))
		return
	}
	rhid := RHID(v.uam.HID, v.uamsec)
	start := accounting.Update{NAS: v.nas.ID, AcctID: FASAcctPrefix + rhid[:16], Status: accounting.Start, Username: username,
		MAC: v.uam.MAC, FramedIP: v.uam.IP.String(), Venue: string(v.nas.Hotspot), Class: g.Class}
	if !p.fas.add(v.nas.ID, grantAuth(rhid, g), start, p.cfg.Now()) {
		p.log.Error("openNDS queue full: is the gateway's authmon polling this node?", "nas", v.nas.Name)
		v.message(http.StatusServiceUnavailable, "err_internal", "err_internal")
		return
	}
	p.log.Info("openNDS client admitted; waiting for authmon", "nas", v.nas.Name, "mac", MaskMAC(v.uam.MAC), "plan", g.Plan.Name)
	v.uam.Res = ResSuccess
	p.status(v.w, v.r, v)
}

// FASAcctPrefix starts the Acct-Session-Id of an openNDS session (the
// rest is the start of its RHID). Such a session gets no Interim-Update.
const FASAcctPrefix = "nds-"

// grantAuth is a grant as `ndsctl auth` takes it. openNDS caps each
// direction on its own, so the plan's data cap applies to each.
func grantAuth(rhid string, g visitors.Grant) FASAuth {
	a := FASAuth{RHID: rhid, SessionMinutes: (g.SessionTimeout + 59) / 60,
		UpKbps: g.Plan.BandwidthUpKbps, DownKbps: g.Plan.BandwidthDownKbps}
	a.UpQuotaKB, a.DownQuotaKB = g.Plan.DataCapMB<<10, g.Plan.DataCapMB<<10
	return a
}

// authmon answers openNDS's authmon (and its BinAuth reports), which POST
// auth_get, gatewayhash and a base64 payload to the faspath. Only the
// NAS's own addresses are answered: the queue holds who may go online.
func (p *Portal) authmon(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	name := mux.Vars(r)["nas"]
	nas, ok := p.cfg.NAS.LookupNAS(name)
	src := clientIP(r)
	if !ok || !nas.Prefix.Contains(src) {
		p.log.Warn("openNDS authmon request refused: not from the NAS's addresses", "nas", clip(name), "src", src)
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	payload, err := base64.StdEncoding.DecodeString(r.PostFormValue("payload"))
	if err != nil {
		http.Error(w, "payload is not base64", http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	now := p.cfg.Now()
	action := r.PostFormValue("auth_get")
	p.log.Debug("openNDS authmon", "nas", nas.Name, "auth_get", action, "payload", clip(string(payload)))
	switch action {
	case "clear": // authmon starting: what was queued before openNDS started is stale
		p.fas.clear(nas.ID, now.Add(-authmonStartup))
	case "list": // authmon of older openNDS: no acknowledgement follows
		auths, started := p.fas.take(nas.ID, now)
		if !p.startSessions(w, nas, src.String(), started, now) {
			return
		}
		w.Write([]byte(AuthList(auths)))
	case "view":
		if string(payload) == "none" {
			w.Write([]byte(AuthList(p.fas.list(nas.ID, now))))
			return
		}
		started := p.fas.ack(nas.ID, strings.Fields(strings.TrimPrefix(string(payload), "*")))
		if !p.startSessions(w, nas, src.String(), started, now) {
			return
		}
		w.Write([]byte("ack"))
	case "deauthed":
		if !p.deauthed(w, nas, string(payload)) {
			return
		}
		w.Write([]byte("ack"))
	case "custom":
		w.Write([]byte("ack"))
	default:
		http.Error(w, "auth_get: "+strconv.Quote(clip(action))+" is not clear, list, view, deauthed or custom", http.StatusBadRequest)
	}
}

// startSessions opens the accounting sessions of the clients authmon let
// through. On a store failure it answers 503, so that authmon tries
// again, and returns false.
func (p *Portal) startSessions(w http.ResponseWriter, nas hotspots.NAS, src string, started []accounting.Update, now time.Time) bool {
	for _, u := range started {
		u.NASAddr, u.At = src, now
		if _, err := p.cfg.GatewaySessions.Apply(u); err != nil {
			p.log.Error("openNDS session start", "nas", nas.Name, "err", err)
			http.Error(w, "store unavailable", http.StatusServiceUnavailable)
			return false
		}
	}
	if len(started) > 0 {
		p.log.Info("openNDS authmon let clients through", "nas", nas.Name, "clients", len(started))
	}
	return true
}

// deauthed closes the session that openNDS's BinAuth reported ended, with
// the gateway's octet counts. A report for no open session is logged and
// acknowledged; a store failure answers 503 and returns false.
func (p *Portal) deauthed(w http.ResponseWriter, nas hotspots.NAS, payload string) bool {
	d, err := ParseDeauth(payload)
	if err != nil {
		p.log.Info("bad openNDS deauthed report", "nas", nas.Name, "err", err)
		return true
	}
	open, err := p.cfg.GatewaySessions.OpenByMAC(d.ClientMAC)
	if err != nil {
		p.log.Error("openNDS session stop", "nas", nas.Name, "err", err)
		http.Error(w, "store unavailable", http.StatusServiceUnavailable)
		return false
	}
	for _, s := range open {
		if s.NAS != nas.ID || !strings.HasPrefix(s.AcctID, FASAcctPrefix) {
			continue
		}
		// openNDS's incoming is the client's download: RFC 2866's output.
		u := accounting.Update{NAS: nas.ID, AcctID: s.AcctID, Status: accounting.Stop, Username: s.Username, MAC: s.MAC,
			InputOctets: d.BytesOutgoing, OutputOctets: d.BytesIncoming, SessionTime: uint32(min(d.End-d.Start, 1<<31)),
			TerminateCause: deauthCause(d.Method), At: time.Unix(d.End, 0)}
		if _, err := p.cfg.GatewaySessions.Apply(u); err != nil {
			p.log.Error("openNDS session stop", "nas", nas.Name, "err", err)
			http.Error(w, "store unavailable", http.StatusServiceUnavailable)
			return false
		}
		p.log.Info("openNDS session ended", "nas", nas.Name, "mac", MaskMAC(d.ClientMAC), "method", d.Method,
			"input_octets", d.BytesIncoming, "output_octets", d.BytesOutgoing)
		return true
	}
	p.log.Info("openNDS deauthed report for no open session", "nas", nas.Name, "mac", MaskMAC(d.ClientMAC), "method", d.Method)
	return true
}

// deauthCause is the RFC 2866 Acct-Terminate-Cause for openNDS's
// deauthentication method.
func deauthCause(method string) string {
	switch method {
	case "client_deauth":
		return "User-Request"
	case "idle_deauth":
		return "Idle-Timeout"
	case "timeout_deauth":
		return "Session-Timeout"
	case "downquota_deauth", "upquota_deauth":
		return "Service-Unavailable" // RFC 2866 has no cause for a spent quota
	case "shutdown_deauth":
		return "NAS-Reboot"
	default: // ndsctl_deauth: the gateway's operator
		return "Admin-Reset"
	}
}
