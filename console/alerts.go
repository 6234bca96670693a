package console

import (
	"net/http"
	"sort"
	"time"

	"github.com/wifihk/wifihk/hotspots"
)

type apAlert struct {
	AP    hotspots.AP
	State APState
}

type nasAlert struct {
	NAS      string
	Venue    string
	LastAcct time.Time
	Open     int
}

type alertsData struct {
	Offline, Recovered []apAlert
	NAS                []nasAlert
	TelemetryOff       bool
	SessionsOff        bool
	SilenceMin         int
}

// alerts lists APs offline now, APs back online in the last 24 hours, and
// NAS whose open sessions have had no accounting for AcctSilence.
func (c *Console) alerts(w http.ResponseWriter, r *http.Request, v *view) string {
	d := alertsData{TelemetryOff: c.cfg.Telemetry == nil, SessionsOff: c.cfg.Sessions == nil,
		SilenceMin: int(c.cfg.AcctSilence.Minutes())}
	v.Title, v.Section, v.Data, v.Refresh = v.T("alerts_title"), "alerts", &d, true
	scope := v.User.Scope()
	if c.cfg.Telemetry != nil {
		states, err := c.cfg.Telemetry.APStates(r.Context())
		if err != nil {
			return c.fail(v, err)
		}
		aps, _, err := c.reg.ListAPs(hotspots.APFilter{Org: scope}, 0, 0)
		if err != nil {
			return c.fail(v, err)
		}
		for _, ap := range aps {
			s, ok := states[ap.ID]
			switch {
			case !ok:
			case !s.Online:
				d.Offline = append(d.Offline, apAlert{ap, s})
			case !s.Since.IsZero() && v.now.Sub(s.Since) < 24*time.Hour:
				d.Recovered = append(d.Recovered, apAlert{ap, s})
			}
		}
		sort.Slice(d.Offline, func(i, j int) bool { return d.Offline[i].State.Since.Before(d.Offline[j].State.Since) })
		sort.Slice(d.Recovered, func(i, j int) bool { return d.Recovered[i].State.Since.After(d.Recovered[j].State.Since) })
	}
	if c.cfg.Sessions != nil {
		silent, err := c.silentNAS(v)
		if err != nil {
			return c.fail(v, err)
		}
		d.NAS = silent
	}
	return "alerts"
}

// silentNAS finds NAS with open sessions whose newest accounting is older
// than AcctSilence: a gateway that rebooted without Accounting-On, lost
// its link to us, or changed address.
func (c *Console) silentNAS(v *view) ([]nasAlert, error) {
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
		org := orgOfVenue(venue)
		if !v.User.CanRead(org) || (v.User.Scope() != "" && org == "") {
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
	var out []nasAlert
	for _, a := range by {
		if v.now.Sub(a.LastAcct) > c.cfg.AcctSilence {
			out = append(out, *a)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].LastAcct.Before(out[j].LastAcct) })
	return out, nil
}
