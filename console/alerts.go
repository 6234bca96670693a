package console

import (
	"net/http"
	"sort"
	"time"

	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/telemetry"
)

type apAlert struct {
	AP    hotspots.AP
	Since time.Time // offline since, or back online at
	Last  time.Time // last report
}

type nasAlert struct {
	NAS      string
	Venue    hotspots.VenueKey
	LastAcct time.Time
	Open     int
}

type alertsData struct {
	Offline, Recovered []apAlert
	NAS                []nasAlert
	Dropping           []dropAlert
	TelemetryOff       bool
	SessionsOff        bool
	DropsOff           bool
	SilenceMin         int
	DropAlert          int
	Node               string
}

// alerts lists APs offline now, APs back online in the last 24 hours, and
// NAS whose open sessions have had no accounting for AcctSilence.
func (c *Console) alerts(w http.ResponseWriter, r *http.Request, v *view) string {
	d := alertsData{TelemetryOff: c.cfg.Telemetry == nil, SessionsOff: c.cfg.Sessions == nil,
		SilenceMin: int(c.cfg.AcctSilence.Minutes()), DropsOff: c.cfg.Drops == nil, DropAlert: c.cfg.DropAlert, Node: c.cfg.Node}
	v.Title, v.Section, v.Data, v.Refresh = v.T("alerts_title"), "alerts", &d, true
	if c.cfg.Telemetry != nil {
		if err := c.apAlerts(r, v, &d); err != nil {
			return c.fail(v, err)
		}
	}
	if c.cfg.Sessions != nil {
		silent, err := c.silentNAS(v)
		if err != nil {
			return c.fail(v, err)
		}
		d.NAS = silent
	}
	if c.cfg.Drops != nil {
		var err error
		if d.Dropping, err = c.droppingNAS(v); err != nil {
			return c.fail(v, err)
		}
	}
	alertsSummary(v, &d)
	return "alerts"
}

// silentNAS finds NAS with open sessions whose newest accounting is older
// than AcctSilence: a gateway that rebooted without Accounting-On, lost
// its link to us, or changed address.
func (c *Console) silentNAS(v *view) ([]nasAlert, error) {
	by, err := c.nasActivity(v)
	if err != nil {
		return nil, err
	}
	var out []nasAlert
	for _, a := range by {
		if v.now.Sub(a.LastAcct) > c.cfg.AcctSilence {
			out = append(out, *a)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].LastAcct.Before(out[j].LastAcct) })
	return out, nil
}

// nasActivity counts the open sessions of each NAS the principal sees,
// with its newest accounting, by NAS ID.
func (c *Console) nasActivity(v *view) (map[string]*nasAlert, error) {
	open, err := c.cfg.Sessions.List(true, 0)
	if err != nil {
		return nil, err
	}
	venues, err := c.nasVenues()
	if err != nil {
		return nil, err
	}
	by := map[string]*nasAlert{}
	for _, s := range open {
		venue := venues[s.NAS]
		if !v.Sees(venue.Org()) {
			continue
		}
		a := by[s.NAS]
		if a == nil {
			a = &nasAlert{NAS: s.NAS, Venue: venue}
			by[s.NAS] = a
		}
		a.Open++
		if s.Updated.After(a.LastAcct) {
			a.LastAcct = s.Updated
		}
	}
	return by, nil
}

// apAlerts fills the APs offline now (they reported before and stopped)
// and those back online in the last 24 hours, from the agents' alerts.
func (c *Console) apAlerts(r *http.Request, v *view, d *alertsData) error {
	scope := v.User.Scope()
	aps, _, err := c.reg.ListAPs(hotspots.APFilter{Org: scope}, 0, 0)
	if err != nil {
		return err
	}
	states, err := c.apStates(r.Context(), aps)
	if err != nil {
		return err
	}
	byID := map[string]hotspots.AP{}
	for _, ap := range aps {
		byID[ap.ID] = ap
		if s := states[ap.ID]; s.Known && !s.Online {
			d.Offline = append(d.Offline, apAlert{AP: ap, Since: s.Since, Last: s.LastReport})
		}
	}
	sort.Slice(d.Offline, func(i, j int) bool { return d.Offline[i].Since.Before(d.Offline[j].Since) })
	alerts, err := c.cfg.Telemetry.Alerts(telemetry.AlertFilter{Since: v.now.Add(-24 * time.Hour), Org: scope, Limit: 1000})
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, a := range alerts { // newest first
		ap, ok := byID[a.AP]
		if a.Kind != telemetry.AlertRecovered || seen[a.AP] || !ok || !states[a.AP].Online {
			continue
		}
		seen[a.AP] = true
		d.Recovered = append(d.Recovered, apAlert{AP: ap, Since: a.At, Last: a.LastReport})
	}
	return nil
}
