package console

import (
	"net/url"
	"slices"
	"strconv"
	"time"
)

// The analytics page's choices and their bounds.
const (
	defaultDays      = 7
	maxDays          = 92 // as the open-data API
	defaultSaturated = 30 // clients per AP
	maxSaturated     = 1000
	trendWeeks       = 8
)

// periodChoices are the periods the form offers; the parser takes any
// number of days up to maxDays.
var periodChoices = []int{1, 7, 28, 91}

// analyticsQuery is what the analytics page and its CSV show.
type analyticsQuery struct {
	Days  int    // days ending with To
	To    string // the last day, YYYY-MM-DD in Hong Kong
	By    string // the heatmap's rows: "district" or "type"
	Sat   int    // clients (or peak sessions) per AP that count as saturated
	Table string // the CSV's table
	last  time.Time
}

// csvTables are the tables the CSV export has.
var csvTables = []string{"heatmap", "hours", "trends", "busiest", "quietest", "saturation"}

// parseAnalyticsQuery reads and checks the page's query; today is the
// default last day. Other parameters (lang) are left to their readers.
func parseAnalyticsQuery(q url.Values, today time.Time) (analyticsQuery, error) {
	a := analyticsQuery{Days: defaultDays, By: "district", Sat: defaultSaturated}
	for _, k := range []string{"days", "to", "by", "sat", "table"} {
		if len(q[k]) > 1 {
			return a, &formError{k, "an_bad_repeat"}
		}
	}
	if s := q.Get("days"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxDays {
			return a, &formError{"days", "an_bad_days"}
		}
		a.Days = n
	}
	y, m, d := today.In(hongKong).Date()
	a.last = time.Date(y, m, d, 0, 0, 0, 0, hongKong)
	if s := q.Get("to"); s != "" {
		t, err := time.ParseInLocation("2006-01-02", s, hongKong)
		if err != nil || t.Year() < 2000 || t.Year() >= 2100 {
			return a, &formError{"to", "an_bad_to"}
		}
		a.last = t
	}
	a.To = a.last.Format("2006-01-02")
	switch s := q.Get("by"); s {
	case "":
	case "district", "type":
		a.By = s
	default:
		return a, &formError{"by", "an_bad_by"}
	}
	if s := q.Get("sat"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxSaturated {
			return a, &formError{"sat", "an_bad_sat"}
		}
		a.Sat = n
	}
	if s := q.Get("table"); s != "" {
		a.Table = s
		if !slices.Contains(csvTables, s) {
			return a, &formError{"table", "an_bad_table"}
		}
	}
	return a, nil
}

// first is the period's first day; end the instant after its last.
func (a analyticsQuery) first() time.Time { return a.last.AddDate(0, 0, 1-a.Days) }
func (a analyticsQuery) end() time.Time   { return a.last.AddDate(0, 0, 1) }

// Query is the choices as a query string (without the table), for links.
func (a analyticsQuery) Query() string {
	q := url.Values{"days": {strconv.Itoa(a.Days)}, "to": {a.To}, "by": {a.By}, "sat": {strconv.Itoa(a.Sat)}}
	return q.Encode()
}

// CSV is the export link of one table.
func (a analyticsQuery) CSV(table string) string {
	return "analytics.csv?table=" + table + "&" + a.Query()
}
