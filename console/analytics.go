package console

import (
	"cmp"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/usage"
)

// UsageFigures reads the hourly usage figures (package usage) of the
// city, or of one organisation's venues when org is not ""; usage.Figures
// implements it.
type UsageFigures interface {
	HoursOfDay(org string, from, to time.Time) (*usage.Day24, error)
	Heatmap(org, by string, from, to time.Time) (map[string]*usage.Day24, error)
	Daily(org string, from, to time.Time) (map[string]*usage.Cell, error)
	VenueDays(org string, first, last time.Time) (map[string]*usage.Cell, error)
	VenueDaily(venue string, first, last time.Time) (map[string]*usage.Cell, error)
}

// Rows the page shows; the CSV has them all.
const (
	rankedVenues   = 10
	saturatedShown = 20
)

// heatRow is one district's or venue type's hours of the day.
type heatRow struct {
	Name  string // as stored: a district's English name, a venue type
	Hours usage.Day24
	Total usage.Cell
}

// weekRow is one week of the trend.
type weekRow struct {
	Start string // its first day
	usage.Cell
	Change *float64 // sessions against the week before, %; nil: no base
}

// rankedVenue is one venue's figures over the period.
type rankedVenue struct {
	mapPoint
	usage.Cell
	PeakPerAP float64 // peak concurrent sessions per AP
	ClientsAP float64 // mean clients per AP report
}

// analyticsFigures is what one page or CSV shows, in no language.
type analyticsFigures struct {
	heat      []heatRow
	hours     *usage.Day24
	weeks     []weekRow
	busiest   []rankedVenue
	quietest  []rankedVenue
	saturated []rankedVenue
}

// gather reads the figures of q for org ("" the city): all of them for
// the page, only its table's for a CSV (the city's ranking reads every
// venue's days).
func (c *Console) gather(org string, q analyticsQuery) (*analyticsFigures, error) {
	f := c.cfg.Figures
	from, to := q.first(), q.end()
	want := func(tables ...string) bool { return q.Table == "" || slices.Contains(tables, q.Table) }
	out := &analyticsFigures{hours: &usage.Day24{}}
	var err error
	if want("hours", "heatmap") {
		if out.hours, err = f.HoursOfDay(org, from, to); err != nil {
			return nil, err
		}
	}
	if want("heatmap") {
		by := "d"
		if q.By == "type" {
			by = "t"
		}
		hm, err := f.Heatmap(org, by, from, to)
		if err != nil {
			return nil, err
		}
		out.heat = heatRows(hm, by == "d")
	}
	if want("trends") {
		weeksFrom := to.AddDate(0, 0, -7*trendWeeks)
		daily, err := f.Daily(org, weeksFrom, to)
		if err != nil {
			return nil, err
		}
		out.weeks = weekRows(daily, weeksFrom)
	}
	if want("busiest", "quietest", "saturation") {
		days, err := f.VenueDays(org, from, q.last)
		if err != nil {
			return nil, err
		}
		pts, err := c.venuePoints(org)
		if err != nil {
			return nil, err
		}
		out.busiest, out.quietest, out.saturated = rankVenues(pts, days, q.Sat)
	}
	return out, nil
}

// heatRows orders the heatmap: districts as the registry lists them
// (by region), venue types by name, what is unknown last.
func heatRows(hm map[string]*usage.Day24, districts bool) []heatRow {
	order := map[string]int{}
	if districts {
		for i, d := range hotspots.Districts() {
			order[d.EN] = i + 1
		}
	}
	rows := make([]heatRow, 0, len(hm))
	for name, d := range hm {
		r := heatRow{Name: name, Hours: *d}
		for h := range d {
			r.Total.Sessions += d[h].Sessions
			r.Total.Devices += d[h].Devices
			r.Total.BytesUp += d[h].BytesUp
			r.Total.BytesDown += d[h].BytesDown
			r.Total.Seconds += d[h].Seconds
			r.Total.Peak = max(r.Total.Peak, d[h].Peak)
		}
		rows = append(rows, r)
	}
	rank := func(name string) int {
		if name == usage.Unknown {
			return 1 << 20
		}
		if o, ok := order[name]; ok {
			return o
		}
		return 1 << 10
	}
	slices.SortFunc(rows, func(a, b heatRow) int {
		return cmp.Or(cmp.Compare(rank(a.Name), rank(b.Name)), cmp.Compare(a.Name, b.Name))
	})
	return rows
}

// weekRows sums the days into trendWeeks weeks from from.
func weekRows(daily map[string]*usage.Cell, from time.Time) []weekRow {
	out := make([]weekRow, trendWeeks)
	for w := range out {
		start := from.AddDate(0, 0, 7*w)
		out[w].Start = start.Format("2006-01-02")
		for d := range 7 {
			if c := daily[start.AddDate(0, 0, d).Format("2006-01-02")]; c != nil {
				sum := &out[w].Cell
				sum.Sessions += c.Sessions
				sum.Devices += c.Devices
				sum.BytesUp += c.BytesUp
				sum.BytesDown += c.BytesDown
				sum.Seconds += c.Seconds
				sum.Peak = max(sum.Peak, c.Peak)
			}
		}
		if w > 0 && out[w-1].Sessions > 0 {
			ch := 100 * float64(out[w].Sessions-out[w-1].Sessions) / float64(out[w-1].Sessions)
			out[w].Change = &ch
		}
	}
	return out
}

// rankVenues ranks the venues in scope by sessions (then data, then
// key): the busiest and the quietest (venues with no figures count as
// quiet, and none is in both lists), and those whose APs reached sat
// clients, or sat peak concurrent sessions, per AP, most loaded first.
func rankVenues(pts []mapPoint, days map[string]*usage.Cell, sat int) (busiest, quietest, saturated []rankedVenue) {
	rows := make([]rankedVenue, len(pts))
	for i, p := range pts {
		r := rankedVenue{mapPoint: p}
		if c := days[string(p.Key)]; c != nil {
			r.Cell = *c
		}
		r.PeakPerAP = float64(r.Peak) / float64(max(p.Hotspots, 1))
		r.ClientsAP = r.ClientsPerAP()
		rows[i] = r
	}
	slices.SortFunc(rows, func(a, b rankedVenue) int {
		return cmp.Or(cmp.Compare(b.Sessions, a.Sessions), cmp.Compare(b.BytesUp+b.BytesDown, a.BytesUp+a.BytesDown),
			cmp.Compare(a.Key, b.Key))
	})
	nb := min(rankedVenues, (len(rows)+1)/2)
	for _, r := range rows[:nb] {
		if r.Sessions > 0 {
			busiest = append(busiest, r)
		}
	}
	for i := len(rows) - 1; i >= nb && len(quietest) < rankedVenues; i-- {
		quietest = append(quietest, rows[i])
	}
	for _, r := range rows {
		if r.ClientsMax >= int64(sat) || r.PeakPerAP >= float64(sat) {
			saturated = append(saturated, r)
		}
	}
	load := func(r rankedVenue) float64 { return max(float64(r.ClientsMax), r.PeakPerAP) }
	slices.SortStableFunc(saturated, func(a, b rankedVenue) int { return cmp.Compare(load(b), load(a)) })
	return busiest, quietest, saturated
}

// peakHours are the hours of the day with the most sessions, busiest
// first, at most n of them and none without sessions.
func peakHours(d *usage.Day24, n int) []int {
	hours := make([]int, 0, 24)
	for h := range d {
		if d[h].Sessions > 0 {
			hours = append(hours, h)
		}
	}
	slices.SortStableFunc(hours, func(a, b int) int { return cmp.Compare(d[b].Sessions, d[a].Sessions) })
	return hours[:min(n, len(hours))]
}

// analyticsData is the page's data.
type analyticsData struct {
	analyticsQuery
	Off       bool
	BadField  string
	ScopeText string
	Period    string
	Periods   []periodOption
	Heatmap   template.HTML
	Legend    []shadeKey
	HeatLabel string
	Heat      []heatRow
	Hours     *usage.Day24
	PeakText  string
	Trend     template.HTML
	Weeks     []weekRow
	Rankings  []ranking // the busiest and the quietest venues
	Saturated []rankedVenue
	MoreSat   int // saturated venues beyond those shown
	HourCols  []string
}

// ranking is a list of venues with its heading; ID names its table and
// its CSV.
type ranking struct {
	ID, Title string
	Rows      []rankedVenue
}

// ChangeText is the week's change in sessions, signed, or "—".
func (w weekRow) ChangeText() string {
	if w.Change == nil {
		return "—"
	}
	return fmt.Sprintf("%+.0f%%", *w.Change)
}

// DataSize is a cell's bytes both ways.
func (v *view) DataSize(c usage.Cell) string {
	return humanBytes(uint64(max(c.BytesUp+c.BytesDown, 0)))
}

// VenueName is a ranked venue's name in the page's language.
func (v *view) VenueName(r rankedVenue) string { return r.name(v.Lang) }

// periodOption is one choice of period in the form.
type periodOption struct {
	Days     int
	Text     string
	Selected bool
}

func (c *Console) analytics(w http.ResponseWriter, r *http.Request, v *view) string {
	d := &analyticsData{Off: c.cfg.Figures == nil}
	v.Title, v.Section, v.Data = v.T("an_title"), "analytics", d
	if d.Off {
		return "analytics"
	}
	q, err := parseAnalyticsQuery(r.URL.Query(), v.now)
	d.analyticsQuery = q
	d.fillForm(v)
	if fe, ok := err.(*formError); ok {
		v.Status, v.Error, d.BadField = http.StatusBadRequest, v.T(fe.Key), fe.Field
		return "analytics"
	}
	org := v.User.Scope()
	fig, err := c.gather(org, q)
	if err != nil {
		return c.fail(v, err)
	}
	d.fill(v, org, fig)
	return "analytics"
}

// fillForm sets the form's choices.
func (d *analyticsData) fillForm(v *view) {
	for _, n := range periodChoices {
		d.Periods = append(d.Periods, periodOption{n, v.T("an_days", n), n == d.Days})
	}
	if !slices.Contains(periodChoices, d.Days) {
		d.Periods = append(d.Periods, periodOption{d.Days, v.T("an_days", d.Days), true})
	}
}

// fill puts the figures on the page in v's language.
func (d *analyticsData) fill(v *view, org string, f *analyticsFigures) {
	d.ScopeText = v.T("an_scope_city")
	if org != "" {
		d.ScopeText = v.T("an_scope_org", org)
	}
	d.Period = v.T("an_period", d.first().Format("2006-01-02"), d.To, d.Days)
	d.Heat, d.Hours, d.Weeks = f.heat, f.hours, f.weeks
	d.Rankings = []ranking{{"busiest", v.T("an_busiest_h"), f.busiest}, {"quietest", v.T("an_quietest_h"), f.quietest}}
	for h := range 24 {
		d.HourCols = append(d.HourCols, fmt.Sprintf("%02d", h))
	}
	d.Saturated = f.saturated[:min(len(f.saturated), saturatedShown)]
	d.MoreSat = len(f.saturated) - len(d.Saturated)
	d.HeatLabel = v.T("an_col_district")
	if d.By == "type" {
		d.HeatLabel = v.T("an_col_type")
	}
	names := make([]string, len(f.heat))
	values := make([][24]int64, len(f.heat))
	var top int64
	for i, r := range f.heat {
		names[i] = v.HeatName(d.By, r.Name)
		for h := range 24 {
			values[i][h] = r.Hours[h].Sessions
			top = max(top, values[i][h])
		}
	}
	d.Legend = heatLegend(top)
	d.Heatmap = renderHeatmap(heatSpec{Rows: names, Values: values, Title: v.T("an_heat_title", d.RowsText(v)),
		Desc: v.T("an_heat_desc"), Cell: v.T("an_heat_cell")})
	var peaks []string
	for _, h := range peakHours(f.hours, 3) {
		peaks = append(peaks, v.T("an_peak_hour", h, h+1, f.hours[h].Sessions))
	}
	d.PeakText = v.T("an_peak_none")
	if len(peaks) > 0 {
		sep := ", "
		if v.Lang != "en" {
			sep = "、"
		}
		d.PeakText = v.T("an_peak", strings.Join(peaks, sep))
	}
	labels := make([]string, len(f.weeks))
	sessions := make([]float64, len(f.weeks))
	for i, w := range f.weeks {
		labels[i], sessions[i] = w.Start[5:], float64(w.Sessions)
	}
	d.Trend = renderBars(labels, sessions, v.T("an_trend_title"))
}

// RowsText names the heatmap's rows within a sentence.
func (d *analyticsData) RowsText(v *view) string {
	if d.By == "type" {
		return v.T("an_rows_type")
	}
	return v.T("an_rows_district")
}

// HeatName is a heatmap row's name in the page's language: a district,
// or a venue type when by is "type".
func (v *view) HeatName(by, name string) string {
	switch {
	case name == usage.Unknown:
		return v.T("unknown")
	case by == "type":
		return v.Type(name)
	}
	return v.District(name)
}
