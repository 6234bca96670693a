package radius

import (
	"context"

	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/visitors"
)

// AuthorizeGateway admits a credential the portal issued for a gateway
// that speaks no RADIUS (openNDS, whose FAS is the portal) with the checks
// of a PAP Access-Request from nas: the password, the device and NAS
// binding, the plan, Simultaneous-Use and uses left. It returns what an
// Access-Accept would carry, or why it refused (a label of
// wifihk_radius_auth_total); err is a store failure.
func (a *Authenticator) AuthorizeGateway(ctx context.Context, nas hotspots.NAS, username, password, mac string) (g visitors.Grant, refused string, err error) {
	mac = normalMAC(mac)
	cred, rej, err := a.usable(username)
	if rej == nil && err == nil {
		var ok bool
		if ok, err = a.checkPAP(ctx, cred, password); err == nil && !ok {
			rej = &rejection{rejectPassword, nil}
		}
	}
	var gr grant
	if rej == nil && err == nil {
		gr, rej, err = a.admit(cred, username, &Request{NAS: nas}, mac, false)
	}
	switch {
	case err != nil:
		return g, "", err
	case rej != nil:
		a.cfg.Metrics.auth.WithLabelValues(rej.reason).Inc()
		a.log.Info("access rejected", "nas", nas.Name, "reason", rej.reason, "mac", maskMAC(mac), "via", "portal")
		return g, rej.reason, nil
	}
	a.cfg.Metrics.auth.WithLabelValues(resultAccept).Inc()
	return visitors.Grant{Plan: gr.plan, SessionTimeout: gr.sessionTimeout, Class: gr.class}, "", nil
}
