package console

import (
	"net/http"
	"strings"

	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/radius"
)

// ProxyHealth reports the home servers' health; *radius.Proxy
// implements it.
type ProxyHealth interface {
	Health() []radius.ServerHealth
}

type realmRow struct {
	Realm   hotspots.Realm
	Servers []serverRow
}

type serverRow struct {
	Server hotspots.HomeServer
	CA     string // RadSec: its CAs' names; "" for the proxy's default
	Health radius.ServerHealth
	Used   bool // the proxy has sent it something since it started
}

type realmsData struct {
	Realms []realmRow
}

// realms lists the realms the signed-in user may see, each with its home
// servers in failover order and their health as the proxy sees it.
func (c *Console) realms(w http.ResponseWriter, r *http.Request, v *view) string {
	v.Title, v.Section, v.Refresh = v.T("realms_title"), "realms", true
	all, err := c.reg.ListRealms(v.User.Scope())
	if err != nil {
		return c.fail(v, err)
	}
	health := map[string]radius.ServerHealth{}
	if c.cfg.Proxy != nil {
		for _, h := range c.cfg.Proxy.Health() {
			health[h.Server] = h
		}
	}
	d := &realmsData{}
	for _, rl := range all {
		row := realmRow{Realm: rl}
		for _, s := range rl.Servers {
			h, used := health[s.Transport+"/"+s.Address.String()]
			row.Servers = append(row.Servers, serverRow{Server: s, CA: strings.Join(s.CASubjects(), ", "), Health: h, Used: used})
		}
		d.Realms = append(d.Realms, row)
	}
	v.Data = d
	return "realms"
}
