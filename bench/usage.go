package bench

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/internal/store"
	"github.com/wifihk/wifihk/usage"
)

// usageConfig shapes the synthetic city of runUsage.
type usageConfig struct {
	dir        string
	venues     int
	days       int
	venueHours int // hours with figures per venue and day
	orgs       int
	types      int
	runs       int
}

// usageResult is what runUsage measured.
type usageResult struct {
	Venues      int                  `json:"venues"`
	Days        int                  `json:"days"`
	VenueHours  int                  `json:"venue_hours_per_day"`
	Records     int                  `json:"records"`
	FileBytes   int64                `json:"file_bytes"`
	BuildS      float64              `json:"build_seconds,omitempty"`
	LoadBefore  string               `json:"loadavg_before"`
	LoadAfter   string               `json:"loadavg_after"`
	Queries     map[string][]float64 `json:"query_ms"`     // each run, in order
	QueriesCPU  map[string][]float64 `json:"query_cpu_ms"` // the process's CPU in each run
	QueryOrder  []string             `json:"-"`
	MonthFrom   string               `json:"month_from"`
	MonthCells  int                  `json:"month_district_cells"`
	RankedCount int                  `json:"venues_ranked_28d"`
}

// runUsage builds (or reopens) a store holding a year of hourly usage
// figures for a synthetic city and times the console's analytics
// queries over it.
func runUsage(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("wifihk-bench usage", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c usageConfig
	fs.StringVar(&c.dir, "data", "", "data dir: reused when it holds a store, else built (default: a temp dir, removed after)")
	fs.IntVar(&c.venues, "venues", 50000, "venues")
	fs.IntVar(&c.days, "days", 366, "days of hourly figures, ending at the end of November 2026")
	fs.IntVar(&c.venueHours, "venue-hours", 1, "hours with figures per venue and day (the roll-ups have every hour)")
	fs.IntVar(&c.orgs, "orgs", 120, "organisations")
	fs.IntVar(&c.types, "types", 20, "venue types")
	fs.IntVar(&c.runs, "runs", 5, "runs of each query")
	asJSON := fs.Bool("json", false, "print one JSON object")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if c.venues < 1 || c.days < 31 || c.venueHours < 1 || c.venueHours > 24 || c.orgs < 1 || c.types < 1 || c.runs < 1 {
		fmt.Fprintln(stderr, "wifihk-bench usage: -venues, -orgs, -types and -runs ≥ 1, -days ≥ 31, -venue-hours 1 to 24")
		return errUsage
	}
	if c.dir == "" {
		tmp, err := os.MkdirTemp("", "wifihk-usage-*")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		c.dir = tmp + "/data"
	}
	res, err := benchUsage(ctx, c, stderr)
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(res)
	}
	fmt.Fprintf(stdout, "store: %d venues × %d days (%d venue-hours a day, every hour of the roll-ups): %d records, %.1f MB\n",
		res.Venues, res.Days, res.VenueHours, res.Records, mb(res.FileBytes))
	if res.BuildS > 0 {
		fmt.Fprintf(stdout, "built in %.0f s\n", res.BuildS)
	}
	fmt.Fprintf(stdout, "load average before %s, after %s\n", res.LoadBefore, res.LoadAfter)
	for _, q := range res.QueryOrder {
		ms := res.Queries[q]
		s := slices.Clone(ms)
		slices.Sort(s)
		cpu := slices.Clone(res.QueriesCPU[q])
		slices.Sort(cpu)
		fmt.Fprintf(stdout, "%-44s first %7.1f ms, best %7.1f ms, median %7.1f ms; CPU best %7.1f ms, median %7.1f ms\n",
			q, ms[0], s[0], s[len(s)/2], cpu[0], cpu[len(cpu)/2])
	}
	return nil
}

// processCPU is this process's user and system CPU time so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func loadAvg() string {
	raw, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(raw))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// yearEnd is where the synthetic year ends (Hong Kong midnight).
var yearEnd = time.Date(2026, 12, 1, 0, 0, 0, 0, usage.HongKong)

func benchUsage(ctx context.Context, c usageConfig, log io.Writer) (usageResult, error) {
	res := usageResult{Venues: c.venues, Days: c.days, VenueHours: c.venueHours, Queries: map[string][]float64{}, QueriesCPU: map[string][]float64{}}
	_, statErr := os.Stat(c.dir)
	db, err := store.Open(c.dir, store.Options{NoSync: true})
	if err != nil {
		return res, err
	}
	defer db.Close()
	if errors.Is(statErr, os.ErrNotExist) {
		t0 := time.Now()
		if err := buildYear(ctx, db, c, log); err != nil {
			return res, err
		}
		res.BuildS = time.Since(t0).Seconds()
	}
	err = db.View(func(tx *store.Tx) (err error) {
		res.Records, err = usage.Records(tx)
		return err
	})
	if err != nil {
		return res, err
	}
	if fi, err := os.Stat(db.Path()); err == nil {
		res.FileBytes = fi.Size()
	}
	res.LoadBefore = loadAvg()
	f := usage.Figures{DB: db}
	month := yearEnd.AddDate(0, -1, 0)
	res.MonthFrom = month.Format("2006-01-02")
	week, month28 := yearEnd.AddDate(0, 0, -7), yearEnd.AddDate(0, 0, -28)
	last := yearEnd.AddDate(0, 0, -1)
	org := fmt.Sprintf("o%03d", 7)
	queries := []struct {
		name string
		run  func() error
	}{
		{"city heatmap by district, a month", func() error {
			hm, err := f.Heatmap("", "d", month, yearEnd)
			res.MonthCells = len(hm) * int(yearEnd.Sub(month).Hours())
			return err
		}},
		{"city heatmap by venue type, a month", func() error { _, err := f.Heatmap("", "t", month, yearEnd); return err }},
		{"city hours of day, a month", func() error { _, err := f.HoursOfDay("", month, yearEnd); return err }},
		{"city trend, 8 weeks", func() error { _, err := f.Daily("", yearEnd.AddDate(0, 0, -56), yearEnd); return err }},
		{"organisation heatmap by district, a month", func() error { _, err := f.Heatmap(org, "d", month, yearEnd); return err }},
		{"city venue ranking, 7 days", func() error { _, err := f.VenueDays("", week, last); return err }},
		{"city venue ranking, 28 days", func() error {
			v, err := f.VenueDays("", month28, last)
			res.RankedCount = len(v)
			return err
		}},
		{"organisation venue ranking, 28 days", func() error { _, err := f.VenueDays(org, month28, last); return err }},
	}
	for _, q := range queries {
		res.QueryOrder = append(res.QueryOrder, q.name)
		for range c.runs {
			if err := ctx.Err(); err != nil {
				return res, err
			}
			t0, c0 := time.Now(), processCPU()
			if err := q.run(); err != nil {
				return res, fmt.Errorf("%s: %w", q.name, err)
			}
			res.Queries[q.name] = append(res.Queries[q.name], float64(time.Since(t0).Microseconds())/1000)
			res.QueriesCPU[q.name] = append(res.QueriesCPU[q.name], float64((processCPU()-c0).Microseconds())/1000)
		}
	}
	res.LoadAfter = loadAvg()
	return res, nil
}

// cityVenue is venue i's name and where it rolls up.
func cityVenue(c usageConfig, i int) (string, usage.Place) {
	ds := hotspots.Districts()
	org := fmt.Sprintf("o%03d", i%c.orgs)
	return fmt.Sprintf("%s/V%06d", org, i), usage.Place{District: ds[i%len(ds)].EN, VenueType: fmt.Sprintf("Type %02d", i%c.types), Org: org}
}

// rollups lists every roll-up scope of the synthetic city with how many
// venues it holds.
func rollups(c usageConfig) map[usage.Scope]int {
	out := map[usage.Scope]int{}
	for i := range c.venues {
		_, p := cityVenue(c, i)
		for _, sc := range []usage.Scope{usage.DistrictScope(p.District), usage.TypeScope(p.VenueType), usage.OrgScope(p.Org),
			usage.CrossScope(p.District, p.VenueType), usage.OrgDistrictScope(p.Org, p.District), usage.OrgTypeScope(p.Org, p.VenueType), usage.City} {
			out[sc]++
		}
	}
	return out
}

// buildYear writes every hour of every roll-up, venueHours hours of every
// venue each day, and every venue's days (with their weeks and months),
// in key order and in batches.
func buildYear(ctx context.Context, db *store.DB, c usageConfig, log io.Writer) error {
	start := yearEnd.AddDate(0, 0, -c.days)
	hours := c.days * 24
	rng := rand.New(rand.NewPCG(1, 2))
	w := &batchWriter{db: db}
	cell := func(venues int) usage.Cell {
		n := int64(venues)*int64(1+rng.IntN(4)) + 1
		return usage.Cell{Sessions: n, Devices: n * 3 / 4, BytesUp: n * 4e6, BytesDown: n * 4e7, Seconds: n * 1500, Peak: n / 3,
			APReports: int64(venues) * 12, ClientsSum: int64(venues) * 12 * 8, ClientsMax: 30}
	}
	scopes := rollups(c)
	names := make([]usage.Scope, 0, len(scopes))
	for sc := range scopes {
		names = append(names, sc)
	}
	slices.Sort(names)
	for _, sc := range names {
		for h := range hours {
			at := start.Add(time.Duration(h) * time.Hour)
			if err := w.put(ctx, func(tx *store.Tx) error { return usage.PutHour(tx, sc, usage.Hour{Hour: at, Cell: cell(scopes[sc])}) }); err != nil {
				return err
			}
		}
	}
	fmt.Fprintf(log, "usage: %d roll-up scopes written\n", len(names))
	venues := make([]string, c.venues)
	for i := range venues {
		venues[i], _ = cityVenue(c, i)
	}
	order := slices.Clone(venues)
	slices.Sort(order)
	step := max(1, 14/c.venueHours)
	for _, v := range order {
		for d := range c.days {
			for k := range c.venueHours {
				at := start.AddDate(0, 0, d).Add(time.Duration(min(23, 8+k*step)) * time.Hour)
				if err := w.put(ctx, func(tx *store.Tx) error {
					return usage.PutHour(tx, usage.VenueScope(v), usage.Hour{Hour: at, Cell: cell(1)})
				}); err != nil {
					return err
				}
			}
		}
	}
	fmt.Fprintf(log, "usage: %d venues' hours written\n", len(order))
	for d := range c.days {
		day := start.AddDate(0, 0, d)
		cells := make(map[string]usage.Cell, len(order))
		for _, v := range order {
			cells[v] = cell(c.venueHours)
		}
		if err := w.put(ctx, func(tx *store.Tx) error { return usage.AddVenueDays(tx, day, cells) }); err != nil {
			return err
		}
	}
	return w.flush()
}

// batchWriter runs puts in transactions of batchSize.
type batchWriter struct {
	db      *store.DB
	pending []func(*store.Tx) error
}

const batchSize = 100_000

func (w *batchWriter) put(ctx context.Context, fn func(*store.Tx) error) error {
	w.pending = append(w.pending, fn)
	if len(w.pending) < batchSize {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return w.flush()
}

func (w *batchWriter) flush() error {
	err := w.db.Update(func(tx *store.Tx) error {
		for _, fn := range w.pending {
			if err := fn(tx); err != nil {
				return err
			}
		}
		return nil
	})
	w.pending = w.pending[:0]
	return err
}
