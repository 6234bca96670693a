package console

import (
	"encoding/csv"
	"net/http"
	"strconv"

	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/usage"
)

// analyticsCSV answers one of the analytics page's tables as CSV, with
// every row (the page shows the first of some). Names come from
// operators, so they are made inert for spreadsheets.
func (c *Console) analyticsCSV(w http.ResponseWriter, r *http.Request, v *view) string {
	if c.cfg.Figures == nil {
		return c.fail(v, errNotFound)
	}
	q, err := parseAnalyticsQuery(r.URL.Query(), v.now)
	if err == nil && q.Table == "" {
		err = &formError{"table", "an_bad_table"}
	}
	if fe, ok := err.(*formError); ok {
		d := &analyticsData{analyticsQuery: q, BadField: fe.Field}
		d.fillForm(v)
		v.Title, v.Section, v.Data, v.Status, v.Error = v.T("an_title"), "analytics", d, http.StatusBadRequest, v.T(fe.Key)
		return "analytics"
	}
	fig, err := c.gather(v.User.Scope(), q)
	if err != nil {
		return c.fail(v, err)
	}
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="wifihk-usage-`+q.Table+"-"+q.first().Format("20060102")+"-"+q.last.Format("20060102")+`.csv"`)
	cw := csv.NewWriter(w)
	for _, rec := range fig.table(q, v) {
		cw.Write(rec)
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		c.log.Warn("analytics export", "err", err)
	}
	return ""
}

// table is one table's rows, its header first, in v's language (the
// headers, districts and venue types; figures are plain numbers).
func (f *analyticsFigures) table(q analyticsQuery, v *view) [][]string {
	n := func(v int64) string { return strconv.FormatInt(v, 10) }
	fl := func(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) }
	figures := func(c *usage.Cell) []string {
		return []string{n(c.Sessions), n(c.BytesUp), n(c.BytesDown), n(c.Minutes()), n(c.Peak)}
	}
	head := func(keys ...string) []string {
		out := make([]string, len(keys))
		for i, k := range keys {
			out[i] = v.T(k)
		}
		return out
	}
	cols := head("an_col_sessions", "an_csv_bytes_up", "an_csv_bytes_down", "an_col_minutes", "an_col_peak")
	var out [][]string
	switch q.Table {
	case "heatmap":
		by := "an_col_district"
		if q.By == "type" {
			by = "an_col_type"
		}
		out = append(out, append(head(by, "an_col_hour"), cols...))
		for _, r := range f.heat {
			for h := range r.Hours {
				out = append(out, append([]string{hotspots.InertCell(v.HeatName(q.By, r.Name)), strconv.Itoa(h)}, figures(&r.Hours[h])...))
			}
		}
	case "hours":
		out = append(out, append(append(head("an_col_hour"), cols...), head("an_csv_ap_reports", "an_col_clients_ap")...))
		for h := range f.hours {
			c := &f.hours[h]
			out = append(out, append(append([]string{strconv.Itoa(h)}, figures(c)...), n(c.APReports), fl(c.ClientsPerAP())))
		}
	case "trends":
		out = append(out, append(append(head("an_col_week"), cols...), head("an_csv_change_pct")...))
		for _, w := range f.weeks {
			ch := ""
			if w.Change != nil {
				ch = fl(*w.Change)
			}
			out = append(out, append(append([]string{w.Start}, figures(&w.Cell)...), ch))
		}
	case "busiest", "quietest":
		rows := f.busiest
		if q.Table == "quietest" {
			rows = f.quietest
		}
		out = append(out, append(append(head("an_csv_rank", "an_col_venue", "an_csv_name", "an_col_district", "an_col_aps"), cols...),
			v.T(devicesKey(q.Days))))
		for i, r := range rows {
			out = append(out, append(append([]string{strconv.Itoa(i + 1), hotspots.InertCell(string(r.Key)), hotspots.InertCell(v.VenueName(r)),
				hotspots.InertCell(v.District(r.District)), strconv.Itoa(r.Hotspots)}, figures(&r.Cell)...), n(r.Devices)))
		}
	case "saturation":
		out = append(out, head("an_col_venue", "an_csv_name", "an_col_district", "an_col_aps", "an_col_clients_max", "an_col_clients_ap",
			"an_col_peak", "an_col_peak_ap"))
		for _, r := range f.saturated {
			out = append(out, []string{hotspots.InertCell(string(r.Key)), hotspots.InertCell(v.VenueName(r)), hotspots.InertCell(v.District(r.District)),
				strconv.Itoa(r.Hotspots), n(r.ClientsMax), fl(r.ClientsAP), n(r.Peak), fl(r.PeakPerAP)})
		}
	}
	return out
}

// DevicesKey heads the rankings' devices column on the page.
func (d *analyticsData) DevicesKey() string { return devicesKey(d.Days) }

// devicesKey heads the rankings' devices column: a day's distinct
// devices, or over several days the days' distinct devices added up.
func devicesKey(days int) string {
	if days == 1 {
		return "an_col_devices_day"
	}
	return "an_col_device_days"
}
