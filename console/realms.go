package console

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

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
	Delete  *deleteButton         // nil unless the user may remove the realm
	Edit    string                // the edit form's URL; "" unless the user may change the realm
	Found   []radius.ServerHealth // a dynamic realm's servers from the DNS, in use now
	Cert    string                // the realm's own client certificate, described; "" for the proxy's
}

// deleteButton is what a row's remove form needs from the page.
type deleteButton struct{ Action, CSRF, Label, Text, EditLabel, EditText string }

type serverRow struct {
	Server hotspots.HomeServer
	CA     string // RadSec: its CAs' names; "" for the proxy's default
	Health radius.ServerHealth
	Used   bool // the proxy has sent it something since it started
	// Resolved are the addresses a server given by name stands for now,
	// each with its own health; Health is the first's (a live one).
	Resolved []string
}

// newServerRow is s with its health, given by radius.HealthFor.
func newServerRow(s hotspots.HomeServer, health []radius.ServerHealth) serverRow {
	row := serverRow{Server: s, CA: strings.Join(s.CASubjects(), ", "), Used: len(health) > 0}
	if row.Used {
		row.Health = health[0]
	}
	if s.Host != "" {
		for _, h := range health {
			row.Resolved = append(row.Resolved, h.Address)
		}
	}
	return row
}

type realmsData struct {
	Realms   []realmRow
	CanAdd   bool
	Admin    bool // chooses the organisation
	Form     realmForm
	BadField string
	Editing  string // the realm the form edits; "" for the add form
	Mixed    bool   // its servers differ in what the form sets once for all
	// EditingCert describes the edited realm's client certificate.
	EditingCert string
}

// certText describes rl's own client certificate, "" when it has none.
func certText(v *view, rl hotspots.Realm) string {
	sum, ok := rl.ClientCertSummary()
	if !ok {
		return ""
	}
	return v.T("realm_client_now", sum.Subject, sum.Issuer, sum.NotAfter.Format(time.DateOnly))
}

// realms lists the realms the signed-in user may see, each with its home
// servers in failover order and their health as the proxy sees it.
func (c *Console) realms(w http.ResponseWriter, r *http.Request, v *view) string {
	v.Refresh = !mayManage(v) // a refresh would lose what the add form holds
	return c.renderRealms(v, &realmsData{Form: newRealmForm()})
}

// renderRealms fills d with the realms v's user sees, and the add form.
func (c *Console) renderRealms(v *view, d *realmsData) string {
	v.Title, v.Section, v.Data = v.T("realms_title"), "realms", d
	d.CanAdd, d.Admin = mayManage(v), v.User.IsAdmin()
	all, err := c.reg.ListRealms(v.User.Scope())
	if err != nil {
		return c.fail(v, err)
	}
	var health []radius.ServerHealth
	if c.cfg.Proxy != nil {
		health = c.cfg.Proxy.Health()
	}
	for _, rl := range all {
		row := realmRow{Realm: rl, Cert: certText(v, rl)}
		if v.User.CanWrite(rl.Org) {
			row.Delete = &deleteButton{Action: c.cfg.Base + "/realms/delete", CSRF: v.CSRF, Label: v.T("realm_delete_label", rl.Name), Text: v.T("delete"),
				EditLabel: v.T("realm_edit_label", rl.Name), EditText: v.T("realm_edit")}
			row.Edit = c.cfg.Base + "/realms/edit?" + url.Values{"realm": {rl.Name}}.Encode()
		}
		for _, h := range health {
			if rl.Discovery != nil && slices.Contains(h.Realms, rl.Name) {
				row.Found = append(row.Found, h)
			}
		}
		slices.SortFunc(row.Found, func(a, b radius.ServerHealth) int { return strings.Compare(a.Server, b.Server) })
		for _, s := range rl.Servers {
			row.Servers = append(row.Servers, newServerRow(s, radius.HealthFor(health, rl.Name, s)))
		}
		d.Realms = append(d.Realms, row)
	}
	return "realms"
}
