package console

import (
	"context"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/wifihk/wifihk/accounting"
	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/radius"
)

// maxSessionsShown caps the sessions page; a search narrows it.
const maxSessionsShown = 500

type sessionRow struct {
	accounting.Session
	Venue    hotspots.VenueKey
	Plan     string
	Org      string
	CanWrite bool
}

type sessionsData struct {
	Rows      []sessionRow
	Stale     []sessionRow // closed as stale in the last staleShown
	Total     int
	Q         string
	Off       bool
	Truncated bool
	Shown     int
	Result    *disconnectResult
}

type disconnectResult struct {
	ID         string
	ACK        bool
	Code       string
	ErrorCause string
	RTTms      int64
	Err        string
}

// nasVenues maps NAS id to venue key.
func (c *Console) nasVenues() (map[string]hotspots.VenueKey, error) {
	nas, err := c.reg.ListNAS()
	if err != nil {
		return nil, err
	}
	out := make(map[string]hotspots.VenueKey, len(nas))
	for _, n := range nas {
		out[n.ID] = n.Hotspot
	}
	return out, nil
}

// staleShown is how far back the sessions page lists sessions that
// wifihk closed as stale.
const staleShown = 24 * time.Hour

// openSessions lists the open sessions in the principal's scope matching
// q (user, MAC, venue or NAS, case-insensitive), newest first, and those
// closed as stale in the last staleShown.
func (c *Console) openSessions(v *view, q string) (open, stale []sessionRow, err error) {
	all, err := c.cfg.Sessions.OpenAndStale(time.Now().Add(-staleShown))
	if err != nil {
		return nil, nil, err
	}
	venues, err := c.nasVenues()
	if err != nil {
		return nil, nil, err
	}
	q = strings.ToLower(strings.TrimSpace(q))
	for _, s := range all {
		venue := venues[s.NAS]
		org := venue.Org()
		if !v.User.CanRead(org) || (v.User.Scope() != "" && org == "") {
			continue
		}
		if q != "" && !strings.Contains(strings.ToLower(s.Username+"\x00"+s.MAC+"\x00"+venue.String()+"\x00"+s.NAS), q) {
			continue
		}
		row := sessionRow{Session: s, Venue: venue, Org: org, Plan: s.Plan(), CanWrite: v.User.CanWrite(org)}
		if s.Open {
			open = append(open, row)
		} else {
			stale = append(stale, row)
		}
	}
	sort.Slice(open, func(i, j int) bool { return open[i].Started.After(open[j].Started) })
	sort.Slice(stale, func(i, j int) bool { return stale[i].Updated.After(stale[j].Updated) })
	return open, stale[:min(len(stale), maxSessionsShown)], nil
}

// Duration is how long a session has run.
func (r sessionRow) Duration() string {
	if r.SessionTime > 0 {
		return humanDuration(time.Duration(r.SessionTime) * time.Second)
	}
	return humanDuration(r.Updated.Sub(r.Started))
}

func (c *Console) sessions(w http.ResponseWriter, r *http.Request, v *view) string {
	d := sessionsData{Q: r.URL.Query().Get("q"), Off: c.cfg.Sessions == nil}
	v.Title, v.Section, v.Data, v.Refresh = v.T("sessions_title"), "sessions", &d, true
	if d.Off {
		return "sessions"
	}
	rows, stale, err := c.openSessions(v, d.Q)
	if err != nil {
		return c.fail(v, err)
	}
	d.Total, d.Stale = len(rows), stale
	if len(rows) > maxSessionsShown {
		rows, d.Truncated, d.Shown = rows[:maxSessionsShown], true, maxSessionsShown
	}
	d.Rows = rows
	sessionsSummary(v, &d)
	return "sessions"
}

// changeableSession is the posted session if the principal may change
// it, with its organisation; else the error page to answer.
func (c *Console) changeableSession(r *http.Request, v *view) (s accounting.Session, org, fail string) {
	if c.cfg.Sessions == nil || c.cfg.Disconnecter == nil {
		return s, "", c.fail(v, errNotFound)
	}
	s, err := c.cfg.Sessions.Get(r.PostFormValue("id"))
	if err != nil {
		return s, "", c.fail(v, err)
	}
	venues, err := c.nasVenues()
	if err != nil {
		return s, "", c.fail(v, err)
	}
	org = venues[s.NAS].Org()
	if !v.User.CanRead(org) || (v.User.Scope() != "" && org == "") {
		return s, "", c.fail(v, errNotFound)
	}
	if !v.User.CanWrite(org) {
		return s, "", c.fail(v, errForbidden)
	}
	return s, org, ""
}

// disconnect sends a Disconnect-Request for one session and shows the
// NAS's answer above the list.
func (c *Console) disconnect(w http.ResponseWriter, r *http.Request, v *view) string {
	s, org, fail := c.changeableSession(r, v)
	if fail != "" {
		return fail
	}
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	out, err := c.cfg.Disconnecter.Disconnect(ctx, s)
	res, result := nasAnswer(v, s.ID, out, err, func() string { return v.T("disc_ack", out.Code, s.ID, out.RTT.Milliseconds()) }, "disc_nak")
	c.met.disconnects.WithLabelValues(result).Inc()
	c.audit(*v.User, "session.disconnect", s.ID, org, result)
	return c.sessionsAfter(v, res)
}

// extendChoices are the minutes from now the Extend menu offers.
var extendChoices = []int{30, 60, 120}

// ExtendChoices are the Extend menu's minutes, for the template.
func (v *view) ExtendChoices() []int { return extendChoices }

// extend gives a session a number of minutes more from now: its NAS gets
// a CoA-Request with the Session-Timeout that ends it then.
func (c *Console) extend(w http.ResponseWriter, r *http.Request, v *view) string {
	s, org, fail := c.changeableSession(r, v)
	if fail != "" {
		return fail
	}
	mins, err := strconv.Atoi(r.PostFormValue("minutes"))
	if err != nil || !slices.Contains(extendChoices, mins) {
		v.Status, v.Error = http.StatusUnprocessableEntity, v.T("ext_bad")
		return c.sessionsAfter(v, nil)
	}
	now := c.cfg.Now()
	total := now.Sub(s.Started).Round(time.Second) + time.Duration(mins)*time.Minute
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	out, err := c.cfg.Disconnecter.Extend(ctx, s, total)
	res, result := nasAnswer(v, s.ID, out, err, func() string { return v.T("ext_ack", out.Code, s.ID, v.Time(now.Add(time.Duration(mins)*time.Minute))) }, "ext_nak")
	c.audit(*v.User, "session.extend", s.ID, org, "+"+strconv.Itoa(mins)+" min: "+result)
	if result == "ack" {
		c.recordExtension(v, s, total)
	}
	return c.sessionsAfter(v, res)
}

// recordExtension puts the Session-Timeout the NAS accepted on the
// session, where the portal's time left reads it. The NAS already
// applies it, so a failure here is told and logged, not undone.
func (c *Console) recordExtension(v *view, s accounting.Session, total time.Duration) {
	if _, err := c.cfg.Sessions.SetTimeout(s.ID, total); err != nil {
		c.log.Warn("extension not recorded on the session: the portal shows the old time left", "session", s.ID, "err", err)
		v.Error = v.T("ext_unrecorded", err.Error())
	}
}

// nasAnswer puts a NAS's answer to a Disconnect- or CoA-Request for
// session id on the page: ack's notice for an ACK, the message nakKey for
// a NAK, or the error. It returns the answer to show above the list and
// "ack", "nak" or "error" for the audit log and metrics.
func nasAnswer(v *view, id string, out radius.DisconnectResult, err error, ack func() string, nakKey string) (*disconnectResult, string) {
	res := &disconnectResult{ID: id, ACK: out.ACK, Code: out.Code, ErrorCause: out.ErrorCause, RTTms: out.RTT.Milliseconds()}
	switch {
	case err != nil:
		res.Err, v.Error = err.Error(), v.T("disc_err", err.Error())
		return res, "error"
	case out.ACK:
		v.Notice = ack()
		return res, "ack"
	}
	v.Error = v.T(nakKey, out.Code, out.ErrorCause, id)
	return res, "nak"
}

// sessionsAfter shows the open sessions with the NAS's answer on top.
func (c *Console) sessionsAfter(v *view, res *disconnectResult) string {
	d := sessionsData{Result: res}
	v.Title, v.Section, v.Data = v.T("sessions_title"), "sessions", &d
	rows, stale, err := c.openSessions(v, "")
	if err != nil {
		return c.fail(v, err)
	}
	d.Total, d.Rows, d.Stale = len(rows), rows[:min(len(rows), maxSessionsShown)], stale
	sessionsSummary(v, &d)
	return "sessions"
}
