package usage

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/wifihk/wifihk/internal/store"
)

// HongKong is the open data's time zone (UTC+8, no daylight saving).
var HongKong = time.FixedZone("HKT", 8*3600)

// Privacy is how the open data protects the people in it. The zero value
// takes the defaults.
type Privacy struct {
	// K: a row describing fewer than K distinct devices is suppressed.
	// Default 10.
	K int64 `yaml:"k" json:"k"`
	// Epsilon is the differential-privacy budget per device per day.
	// Default 1.0.
	Epsilon float64 `yaml:"epsilon" json:"epsilon_per_day"`
	// CellsPerDay is how many rows of a day one device is taken to appear
	// in at most (its active hours; a device active in more hours is
	// protected less, in proportion). Default 4.
	CellsPerDay int `yaml:"cells_per_day" json:"cells_per_day"`
}

// The most one device is taken to add to one row's figures (an hour at
// one district and venue type): the noise's sensitivities.
const (
	boundSessions = 4   // sessions started
	boundDevices  = 1   // distinct devices
	boundMB       = 200 // data, MB
	boundMinutes  = 60  // session minutes
	measures      = 4
)

// DefaultPrivacy is k = 10, ε = 1 a day, 4 rows a day per device.
func DefaultPrivacy() Privacy { return Privacy{}.withDefaults() }

func (p Privacy) withDefaults() Privacy {
	if p.K == 0 {
		p.K = 10
	}
	if p.Epsilon == 0 {
		p.Epsilon = 1
	}
	if p.CellsPerDay == 0 {
		p.CellsPerDay = 4
	}
	return p
}

// Validate names the first bad field.
func (p Privacy) Validate() error {
	p = p.withDefaults()
	switch {
	case p.K < 2:
		return fmt.Errorf("usage: privacy.k: %d is under 2", p.K)
	case p.Epsilon < 0.01 || p.Epsilon > 100:
		return fmt.Errorf("usage: privacy.epsilon: %v is not between 0.01 and 100", p.Epsilon)
	case p.CellsPerDay < 1 || p.CellsPerDay > 24:
		return fmt.Errorf("usage: privacy.cells_per_day: %d is not between 1 and 24", p.CellsPerDay)
	}
	return nil
}

// perValue is ε for one figure of one row: the day's budget shared by
// the rows a device appears in and the four figures of each.
func (p Privacy) perValue() float64 { return p.Epsilon / float64(p.CellsPerDay*measures) }

// Row is one hour × district × venue type of a published day. A
// suppressed row has no figures.
type Row struct {
	Hour       string `json:"hour"` // "2006-01-02T15:00+08:00"
	District   string `json:"district"`
	VenueType  string `json:"venue_type"`
	Suppressed bool   `json:"suppressed"`
	Sessions   *int64 `json:"sessions"`
	Devices    *int64 `json:"devices"`
	DataMB     *int64 `json:"data_mb"`
	Minutes    *int64 `json:"minutes"`
}

// Totals add up the published rows only.
type Totals struct {
	Rows        int   `json:"rows"`
	Suppressed  int   `json:"suppressed_rows"`
	Sessions    int64 `json:"sessions"`
	DeviceHours int64 `json:"device_hours"`
	DataMB      int64 `json:"data_mb"`
	Minutes     int64 `json:"minutes"`
}

// Day is one published day, fixed once published: its noise is drawn
// once, so asking again cannot average it away.
type Day struct {
	Date      string    `json:"date"` // Hong Kong date
	TimeZone  string    `json:"time_zone"`
	Published time.Time `json:"published"`
	Method    Method    `json:"method"`
	Rows      []Row     `json:"rows"`
	Totals    Totals    `json:"totals"`
}

// Method states the protection applied, in the file itself.
type Method struct {
	K               int64            `json:"k"`
	Suppression     string           `json:"suppression"`
	Mechanism       string           `json:"mechanism"`
	EpsilonPerDay   float64          `json:"epsilon_per_day"`
	CellsPerDay     int              `json:"cells_per_day"`
	EpsilonPerValue float64          `json:"epsilon_per_value"`
	Sensitivity     map[string]int64 `json:"sensitivity"`
	DevicesError    float64          `json:"devices_relative_error"`
	Totals          string           `json:"totals"`
}

// dateLayout is a published day's name.
const dateLayout = "2006-01-02"

func publishedKey(date string) string { return "p/" + date }

// BuildDay computes date's rows (a Hong Kong date) from the stored cells,
// with noise from n. It does not store them.
func BuildDay(tx *store.Tx, date time.Time, p Privacy, n *Noise, now time.Time) (Day, error) {
	p = p.withDefaults()
	from := time.Date(date.Year(), date.Month(), date.Day(), 0, 0, 0, 0, HongKong)
	to := from.AddDate(0, 0, 1)
	eps := p.perValue()
	day := Day{Date: from.Format(dateLayout), TimeZone: "Asia/Hong_Kong (UTC+08:00)", Published: now.UTC(),
		Method: Method{K: p.K, Suppression: "a row with fewer than k distinct devices (true count) has no figures",
			Mechanism:     "two-sided geometric (discrete Laplace) noise on every figure, then rounded up to 0",
			EpsilonPerDay: p.Epsilon, CellsPerDay: p.CellsPerDay, EpsilonPerValue: eps,
			Sensitivity:  map[string]int64{"sessions": boundSessions, "devices": boundDevices, "data_mb": boundMB, "minutes": boundMinutes},
			DevicesError: StdError,
			Totals:       "sums of the published (noisy) rows only; suppressed rows add nothing"}}
	scopes, err := Scopes(tx, "x", from, to)
	if err != nil {
		return day, err
	}
	sort.Slice(scopes, func(i, j int) bool { return scopes[i] < scopes[j] })
	for _, sc := range scopes {
		d, t, _ := strings.Cut(strings.TrimPrefix(string(sc), "x:"), "|")
		err := Read(tx, sc, from, to, func(h Hour) error {
			if h.Sessions == 0 && h.Devices == 0 && h.Seconds == 0 {
				return nil // only agent figures, or a taken-back session
			}
			r := Row{Hour: h.Hour.In(HongKong).Format("2006-01-02T15:04-07:00"), District: d, VenueType: t}
			if h.Devices < p.K {
				r.Suppressed = true
			} else {
				noisy := func(v int64, sens float64) *int64 {
					x := max(0, v+n.Geometric(eps, sens))
					return &x
				}
				r.Sessions = noisy(h.Sessions, boundSessions)
				r.Devices = noisy(h.Devices, boundDevices)
				r.DataMB = noisy((h.BytesUp+h.BytesDown+500_000)/1_000_000, boundMB)
				r.Minutes = noisy(h.Minutes(), boundMinutes)
			}
			day.Rows = append(day.Rows, r)
			return nil
		})
		if err != nil {
			return day, err
		}
	}
	sort.SliceStable(day.Rows, func(i, j int) bool { return day.Rows[i].Hour < day.Rows[j].Hour })
	day.Totals = totals(day.Rows)
	return day, nil
}

func totals(rows []Row) Totals {
	var t Totals
	for _, r := range rows {
		t.Rows++
		if r.Suppressed {
			t.Suppressed++
			continue
		}
		t.Sessions += *r.Sessions
		t.DeviceHours += *r.Devices
		t.DataMB += *r.DataMB
		t.Minutes += *r.Minutes
	}
	return t
}

// ErrNotPublished means no day of that date has been published.
var ErrNotPublished = errors.New("usage: day not published")

// Publish builds date's day and stores it, unless it is published
// already: a day's figures never change once out.
func Publish(db *store.DB, date time.Time, p Privacy, n *Noise, now time.Time) (Day, bool, error) {
	var day Day
	made := false
	err := db.Update(func(tx *store.Tx) error {
		k := publishedKey(date.Format(dateLayout))
		err := tx.Get(store.Usage, k, &day)
		if err == nil || !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if day, err = BuildDay(tx, date, p, n, now); err != nil {
			return err
		}
		made = true
		return tx.Put(store.Usage, k, &day)
	})
	if err != nil {
		return Day{}, false, fmt.Errorf("usage: publish: %w", err)
	}
	return day, made, nil
}

// Published returns the published days in [from, to] (Hong Kong dates),
// in order; days not published are left out.
func Published(db *store.DB, from, to time.Time) ([]Day, error) {
	var out []Day
	err := db.View(func(tx *store.Tx) error {
		end := publishedKey(to.Format(dateLayout))
		return tx.ScanFrom(store.Usage, "p/", publishedKey(from.Format(dateLayout)), func(k string, decode func(any) error) (bool, error) {
			if k > end {
				return false, nil
			}
			var d Day
			if err := decode(&d); err != nil {
				return false, err
			}
			out = append(out, d)
			return true, nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("usage: read published: %w", err)
	}
	return out, nil
}

// CSVHeader is the CSV files' first line.
var CSVHeader = []string{"date", "hour", "district", "venue_type", "suppressed", "sessions", "devices", "data_mb", "minutes"}

// WriteCSV writes days as CSV: one line per row; a suppressed row has
// empty figures. The method is in the JSON files and the dictionary.
func WriteCSV(w io.Writer, days []Day) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return err
	}
	num := func(v *int64) string {
		if v == nil {
			return ""
		}
		return strconv.FormatInt(*v, 10)
	}
	for _, d := range days {
		for _, r := range d.Rows {
			rec := []string{d.Date, r.Hour, r.District, r.VenueType, strconv.FormatBool(r.Suppressed),
				num(r.Sessions), num(r.Devices), num(r.DataMB), num(r.Minutes)}
			if err := cw.Write(rec); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

// MaxRange is the most days one query returns.
const MaxRange = 92

// ParseRange reads "from" and "to" (Hong Kong dates, YYYY-MM-DD; to
// defaults to from, from to yesterday) and "format" (json or csv, default
// json) from a query string.
func ParseRange(query map[string][]string, today time.Time) (from, to time.Time, format string, err error) {
	for k, v := range query {
		switch k {
		case "from", "to", "format":
			if len(v) != 1 {
				return from, to, "", fmt.Errorf("usage: %s: give it once", k)
			}
		default:
			return from, to, "", fmt.Errorf("usage: unknown parameter %q (want from, to, format)", truncate(k))
		}
	}
	get := func(k string) string {
		if v := query[k]; len(v) == 1 {
			return v[0]
		}
		return ""
	}
	date := func(k, s string) (time.Time, error) {
		t, err := time.ParseInLocation(dateLayout, s, HongKong)
		if err != nil || t.Format(dateLayout) != s {
			return t, fmt.Errorf("usage: %s: %q is not a date YYYY-MM-DD", k, truncate(s))
		}
		return t, nil
	}
	yesterday := today.In(HongKong).AddDate(0, 0, -1)
	from = time.Date(yesterday.Year(), yesterday.Month(), yesterday.Day(), 0, 0, 0, 0, HongKong)
	if s := get("from"); s != "" {
		if from, err = date("from", s); err != nil {
			return
		}
	}
	to = from
	if s := get("to"); s != "" {
		if to, err = date("to", s); err != nil {
			return
		}
	}
	switch {
	case to.Before(from):
		return from, to, "", errors.New("usage: to: before from")
	case to.Sub(from) >= MaxRange*24*time.Hour:
		return from, to, "", fmt.Errorf("usage: to: more than %d days after from", MaxRange)
	}
	switch format = get("format"); format {
	case "":
		format = "json"
	case "json", "csv":
	default:
		return from, to, "", fmt.Errorf("usage: format: %q (want json or csv)", truncate(format))
	}
	return from, to, format, nil
}

// truncate keeps an echoed input short and valid UTF-8.
func truncate(s string) string {
	s = strings.ToValidUTF8(s, "?")
	if r := []rune(s); len(r) > 24 {
		return string(r[:24]) + "…"
	}
	return s
}
