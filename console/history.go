package console

import (
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"

	"github.com/wifihk/wifihk/accounting"
	"github.com/wifihk/wifihk/accounting/archive"
	"github.com/wifihk/wifihk/hotspots"
)

// maxExportRows caps a CSV export of the session history; a narrower
// filter exports the rest.
const maxExportRows = 100000

// historyFilter is a search of the session history, from the page's query.
type historyFilter struct {
	Q        string // user, MAC, venue or NAS, any part, case-insensitive
	State    string // "", "open" or "closed"
	From, To string // YYYY-MM-DD in Hong Kong, as typed
	from, to time.Time
}

// formError is a form input refused: the field and a message key.
type formError struct{ Field, Key string }

func (e *formError) Error() string { return "console: " + e.Field + ": " + e.Key }

// parseHistoryFilter reads and checks a history search.
func parseHistoryFilter(q url.Values) (historyFilter, error) {
	f := historyFilter{Q: strings.TrimSpace(q.Get("q")), State: q.Get("state"),
		From: strings.TrimSpace(q.Get("from")), To: strings.TrimSpace(q.Get("to"))}
	if len(f.Q) > 100 || strings.IndexFunc(f.Q, unicode.IsControl) >= 0 {
		return f, &formError{"q", "hist_bad_q"}
	}
	switch f.State {
	case "", "open", "closed":
	default:
		return f, &formError{"state", "hist_bad_state"}
	}
	day := func(s string) (time.Time, bool) {
		if s == "" {
			return time.Time{}, true
		}
		t, err := time.ParseInLocation("2006-01-02", s, hongKong)
		return t, err == nil && t.Year() >= 2000 && t.Year() < 2100
	}
	var ok bool
	if f.from, ok = day(f.From); !ok {
		return f, &formError{"from", "hist_bad_date"}
	}
	if f.to, ok = day(f.To); !ok {
		return f, &formError{"to", "hist_bad_date"}
	}
	if !f.to.IsZero() {
		f.to = f.to.AddDate(0, 0, 1) // the whole day
		if !f.from.IsZero() && !f.to.After(f.from) {
			return f, &formError{"to", "hist_bad_range"}
		}
	}
	return f, nil
}

// Query is the filter as a query string, for the audit log.
func (f historyFilter) Query() string {
	q := url.Values{}
	for k, v := range map[string]string{"q": f.Q, "state": f.State, "from": f.From, "to": f.To} {
		if v != "" {
			q.Set(k, v)
		}
	}
	return q.Encode()
}

// keep is the filter with the principal's scope as a session predicate.
func (f historyFilter) keep(v *view, venues map[string]hotspots.VenueKey) func(*accounting.Session) bool {
	q := strings.ToLower(f.Q)
	return func(s *accounting.Session) bool {
		switch {
		case f.State == "open" && !s.Open, f.State == "closed" && s.Open:
			return false
		case !f.from.IsZero() && s.Started.Before(f.from), !f.to.IsZero() && !s.Started.Before(f.to):
			return false
		}
		venue := venues[s.NAS]
		if !v.Sees(venue.Org()) {
			return false
		}
		return q == "" || strings.Contains(strings.ToLower(s.Username+"\x00"+s.MAC+"\x00"+venue.String()+"\x00"+s.NAS), q)
	}
}

type historyData struct {
	historyFilter
	Off      bool
	Rows     []sessionRow
	Shown    int
	More     bool
	BadField string
}

// Selected marks the state option chosen.
func (d *historyData) Selected(state string) bool { return d.State == state }

func (c *Console) history(w http.ResponseWriter, r *http.Request, v *view) string {
	d := &historyData{Off: c.cfg.Sessions == nil}
	v.Title, v.Section, v.Data = v.T("hist_title"), "sessions", d
	if d.Off {
		return "history"
	}
	f, err := parseHistoryFilter(r.URL.Query())
	d.historyFilter = f
	if fe, ok := err.(*formError); ok {
		v.Status, v.Error, d.BadField = http.StatusBadRequest, v.T(fe.Key), fe.Field
		return "history"
	}
	venues, err := c.nasVenues()
	if err != nil {
		return c.fail(v, err)
	}
	all, err := c.cfg.Sessions.NewestWhere(f.keep(v, venues), maxSessionsShown+1)
	if err != nil {
		return c.fail(v, err)
	}
	d.More = len(all) > maxSessionsShown
	for _, s := range all[:min(len(all), maxSessionsShown)] {
		venue := venues[s.NAS]
		d.Rows = append(d.Rows, sessionRow{Session: s, Venue: venue, Org: venue.Org(), Plan: s.Plan()})
	}
	d.Shown = len(d.Rows)
	historySummary(v, d)
	return "history"
}

// historyCSV answers the sessions the filter finds as CSV, in the
// format of `wifihk archive export`, newest first.
func (c *Console) historyCSV(w http.ResponseWriter, r *http.Request, v *view) string {
	if c.cfg.Sessions == nil {
		return c.fail(v, errNotFound)
	}
	f, err := parseHistoryFilter(r.URL.Query())
	if fe, ok := err.(*formError); ok {
		v.Title, v.Section, v.Status, v.Error = v.T("hist_title"), "sessions", http.StatusBadRequest, v.T(fe.Key)
		v.Data = &historyData{historyFilter: f, BadField: fe.Field}
		return "history"
	}
	venues, err := c.nasVenues()
	if err != nil {
		return c.fail(v, err)
	}
	all, err := c.cfg.Sessions.NewestWhere(f.keep(v, venues), maxExportRows)
	if err != nil {
		return c.fail(v, err)
	}
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="sessions-`+v.now.In(hongKong).Format("20060102-1504")+`.csv"`)
	e, _, err := archive.NewExporter(w, "csv")
	for i := 0; err == nil && i < len(all); i++ {
		err = e.Write(all[i])
	}
	if err == nil {
		err = e.Flush()
	}
	if err != nil {
		c.log.Warn("history export", "err", err)
	}
	c.audit(*v.User, "session.export", f.Query(), v.User.Scope(), "")
	return ""
}
