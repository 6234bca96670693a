package server

import (
	"github.com/wifihk/wifihk/internal/visitors"
	"github.com/wifihk/wifihk/internal/web"
	"github.com/wifihk/wifihk/portal"
)

// mountPortal serves the captive portal under /portal and the operators'
// voucher API under /api/v1/vouchers.
func (a *App) mountPortal() error {
	key, err := portal.LoadKey(a.DB, a.Sealer)
	if err != nil {
		return err
	}
	vis := visitors.New(a.DB, a.Sealer)
	p, err := portal.New(portal.Config{
		NAS: a.Registry, Visitors: vis, DefaultPlan: a.Config.Plan,
		Sender: portal.NewOutbox(a.Config.DataDir, a.Log), Log: a.Log,
		PublicURL: a.Config.HTTP.PublicURL, Key: key,
		Sessions: portal.AccountingSessions{Sessions: a.Sessions, Visitors: vis,
			NAS: a.Registry, Default: a.Config.Plan},
	})
	if err != nil {
		return err
	}
	p.Mount(a.Router)
	if a.Staff != nil {
		p.MountVoucherAPI(a.Router, a.Staff)
	}
	met := web.NewRouteMetrics(a.Metrics, "portal", "/portal")
	met.Init(a.Router)
	a.Router.Use(met.Middleware)
	return nil
}
