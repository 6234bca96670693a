package bench

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/wifihk/wifihk/accounting"
	"github.com/wifihk/wifihk/accounting/archive"
	"github.com/wifihk/wifihk/bench/radload"
	"github.com/wifihk/wifihk/controller"
	"github.com/wifihk/wifihk/controller/config"
	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/internal/datadir"
	"github.com/wifihk/wifihk/internal/store"
)

// simConfig shapes the simulated city of runRetention.
type simConfig struct {
	dir         string
	days        int
	perDay      int
	keep        time.Duration
	purgeEvery  time.Duration // simulated
	archive     bool
	radiusD     time.Duration
	radiusC     int
	rounds      int
	batch       int
	pause       time.Duration
	yield       time.Duration
	nasCount    int
	compactLast bool
	compactKeep time.Duration
}

// dayResult is the state at the end of one simulated day.
type dayResult struct {
	Day      int     `json:"day"`
	Sessions int     `json:"sessions_kept"`
	Removed  int     `json:"removed_that_day"`
	FileMB   float64 `json:"file_mb"`
	RSSMB    float64 `json:"rss_mb"`
	AnonMB   float64 `json:"rss_anon_mb"`
	FileRSS  float64 `json:"rss_file_mb"`
	PurgeS   float64 `json:"purge_seconds_that_day"`
	WallS    float64 `json:"wall_seconds"`
}

// runRetention simulates a city's accounting on a fake clock through a
// real controller (bbolt file, journal), with retention running as it
// does in serve, and then measures RADIUS accounting latency with and
// without a retention purge running beside it.
func runRetention(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("wifihk-bench retention", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c simConfig
	fs.StringVar(&c.dir, "data", "", "data dir to create (must not exist; default: a temp dir, removed after)")
	fs.IntVar(&c.days, "days", 60, "simulated days")
	fs.IntVar(&c.perDay, "per-day", 33334, "sessions a day (33,334 a day is 1,000,000 in 30 days)")
	fs.DurationVar(&c.keep, "keep", 30*24*time.Hour, "retention of closed sessions")
	fs.DurationVar(&c.purgeEvery, "purge-every", time.Hour, "simulated time between retention runs")
	fs.BoolVar(&c.archive, "archive", true, "archive before removal (pseudonymised)")
	fs.IntVar(&c.batch, "batch", 100, "sessions one retention commit removes")
	fs.DurationVar(&c.yield, "yield", 1500*time.Millisecond, "longest wait of a retention batch for a pause in accounting")
	fs.DurationVar(&c.pause, "pause", 20*time.Millisecond, "rest between retention batches")
	fs.DurationVar(&c.radiusD, "radius-d", 10*time.Second, "each RADIUS latency run")
	fs.IntVar(&c.radiusC, "radius-c", 16, "RADIUS clients")
	fs.IntVar(&c.rounds, "rounds", 3, "RADIUS runs with and without a purge, alternated")
	fs.IntVar(&c.nasCount, "nas", 200, "simulated NAS gateways")
	fs.BoolVar(&c.compactLast, "compact", true, "at the end, shorten retention to -compact-keep, purge at full speed and compact the file")
	fs.DurationVar(&c.compactKeep, "compact-keep", 7*24*time.Hour, "the shorter retention of the last step")
	asJSON := fs.Bool("json", false, "print one JSON object")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if c.dir == "" {
		tmp, err := os.MkdirTemp("", "wifihk-retention-*")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		c.dir = tmp + "/data"
	}
	res, err := simulate(ctx, c, stderr)
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(res)
	}
	for _, d := range res.Days {
		fmt.Fprintf(stdout, "day %3d: %8d sessions kept, %7d removed, file %7.1f MB, RSS %6.1f MB (anon %6.1f, file %6.1f), purge %5.1f s, wall %6.1f s\n",
			d.Day, d.Sessions, d.Removed, d.FileMB, d.RSSMB, d.AnonMB, d.FileRSS, d.PurgeS, d.WallS)
	}
	for i, r := range res.Quiet {
		fmt.Fprintf(stdout, "round %d without purge: %v\n", i+1, r)
		fmt.Fprintf(stdout, "round %d with purge (%d removed in %.1f s): %v\n", i+1, res.PurgedInRound[i], res.PurgeSeconds[i], res.Busy[i])
	}
	if res.CompactBefore > 0 {
		fmt.Fprintf(stdout, "after purging %d sessions in %.0f s: file %.1f MB, compacted to %.1f MB\n",
			res.CompactPurged, res.CompactPurgeS, mb(res.CompactBefore), mb(res.CompactAfter))
	}
	return nil
}

type simResult struct {
	Days          []dayResult      `json:"days"`
	Quiet         []radload.Result `json:"radius_without_purge"`
	Busy          []radload.Result `json:"radius_with_purge"`
	PurgedInRound []int            `json:"purged_in_round"`
	PurgeSeconds  []float64        `json:"purge_seconds_in_round"`
	CompactPurged int              `json:"compact_purged"`
	CompactPurgeS float64          `json:"compact_purge_seconds"`
	CompactBefore int64            `json:"compact_before_bytes"`
	CompactAfter  int64            `json:"compact_after_bytes"`
}

func mb(n int64) float64 { return float64(n) / (1 << 20) }

// statusMB reads one size from the process's status: VmRSS (resident),
// RssAnon (heap and stacks) or RssFile (the database file's pages that
// the mapping holds, which the kernel may drop).
func statusMB(field string) float64 {
	raw, _ := os.ReadFile("/proc/self/status")
	for _, l := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(l, field+":"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}

func simulate(ctx context.Context, c simConfig, log io.Writer) (simResult, error) {
	var res simResult
	cfg := config.Default()
	cfg.DataDir = c.dir
	cfg.HTTP.Addr, cfg.HTTP.TLSAddr = "127.0.0.1:0", "127.0.0.1:0"
	cfg.RADIUS.AuthAddr, cfg.RADIUS.AcctAddr = "127.0.0.1:0", "127.0.0.1:0"
	cfg.Retention.Disabled = true // this tool runs it on its own clock
	if _, err := os.Stat(c.dir); err == nil {
		return res, fmt.Errorf("%s exists: give a new data dir", c.dir)
	}
	a, err := controller.New(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		return res, err
	}
	if _, err := a.Registry.AddNAS(hotspots.NASInput{Name: "bench", IP: "127.0.0.1", Secret: "testing123"}); err != nil {
		a.DB.Close()
		return res, err
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- a.Run(runCtx) }()
	defer func() { stop(); <-done }()
	select {
	case <-a.Ready:
	case err := <-done:
		return res, err
	}
	var arch *archive.Archive
	if c.archive {
		if arch, err = archive.Open(datadir.Dir(c.dir).Archive(), a.Sealer.Key("archive pseudonyms")); err != nil {
			return res, err
		}
	}
	purge := func(ctx context.Context, before time.Time, noRest bool) (int, error) {
		opt := accounting.PurgeOptions{Before: before, Batch: c.batch, Pause: c.pause, Yield: c.yield, NoRest: noRest}
		if arch != nil {
			opt.Archive = arch.Append
		}
		n, err := a.Sessions.PurgeClosed(ctx, opt)
		if err == nil && arch != nil {
			err = arch.Seal(before)
		}
		return n, err
	}
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	rng := rand.New(rand.NewPCG(1, 2))
	kept, wall0 := 0, time.Now()
	for day := range c.days {
		dayStart := start.AddDate(0, 0, day)
		removed, purgeTime := 0, time.Duration(0)
		for slot := time.Duration(0); slot < 24*time.Hour; slot += c.purgeEvery {
			n := c.perDay * int(c.purgeEvery) / int(24*time.Hour)
			if err := applySlot(a.Sessions, rng, dayStart.Add(slot), c.purgeEvery, n, day, int(slot/c.purgeEvery), c.nasCount); err != nil {
				return res, err
			}
			kept += n
			t0 := time.Now()
			m, err := purge(ctx, dayStart.Add(slot+c.purgeEvery).Add(-c.keep), false)
			if err != nil {
				return res, err
			}
			purgeTime += time.Since(t0)
			removed += m
			kept -= m
		}
		a.Sessions.Sync()
		fi, _ := os.Stat(datadir.Dir(c.dir).DB())
		d := dayResult{Day: day + 1, Sessions: kept, Removed: removed, FileMB: mb(fi.Size()), RSSMB: statusMB("VmRSS"), AnonMB: statusMB("RssAnon"), FileRSS: statusMB("RssFile"),
			PurgeS: purgeTime.Seconds(), WallS: time.Since(wall0).Seconds()}
		res.Days = append(res.Days, d)
		fmt.Fprintf(log, "day %d: %d kept, file %.1f MB, RSS %.1f MB\n", d.Day, d.Sessions, d.FileMB, d.RSSMB)
		if ctx.Err() != nil {
			return res, ctx.Err()
		}
	}
	// RADIUS side by side: each round first without a purge, then with
	// one that removes a whole simulated day's worth at once (a backlog;
	// in serve a run every 10 minutes removes a 144th of that).
	simNow := start.AddDate(0, 0, c.days)
	rc := radload.Config{Server: a.AcctAddr.String(), Secret: "testing123", Mode: "acct", Concurrency: c.radiusC, Duration: c.radiusD}
	for range c.rounds {
		q, err := radload.Run(ctx, rc)
		if err != nil {
			return res, err
		}
		res.Quiet = append(res.Quiet, q)
		simNow = simNow.Add(24 * time.Hour)
		purged := make(chan int, 1)
		pctx, cancel := context.WithCancel(ctx)
		go func() {
			t0 := time.Now()
			n, _ := purge(pctx, simNow.Add(-c.keep), false)
			res.PurgeSeconds = append(res.PurgeSeconds, time.Since(t0).Seconds())
			purged <- n
		}()
		b, err := radload.Run(ctx, rc)
		cancel()
		n := <-purged
		if err != nil {
			return res, err
		}
		res.Busy, res.PurgedInRound = append(res.Busy, b), append(res.PurgedInRound, n)
		fmt.Fprintf(log, "without purge: %v\nwith purge (%d removed): %v\n", q, n, b)
	}
	if !c.compactLast {
		return res, nil
	}
	t0 := time.Now()
	n, err := purge(ctx, simNow.Add(-c.compactKeep), true)
	if err != nil {
		return res, err
	}
	res.CompactPurged, res.CompactPurgeS = n, time.Since(t0).Seconds()
	a.Sessions.Sync()
	stop()
	if err := <-done; err != nil {
		return res, err
	}
	done <- nil // for the deferred wait
	res.CompactBefore, res.CompactAfter, err = store.CompactFile(datadir.Dir(c.dir).DB(), store.Options{})
	return res, err
}

// applySlot records n sessions that start within [at, at+span): Start,
// one Interim-Update and Stop, each through the journal as RADIUS would.
func applySlot(st *accounting.Store, rng *rand.Rand, at time.Time, span time.Duration, n, day, slot, nasCount int) error {
	us := make([]accounting.Update, 0, 3*n)
	for i := range n {
		begin := at.Add(time.Duration(rng.Int64N(int64(span))))
		length := time.Duration(5+rng.IntN(55)) * time.Minute
		base := accounting.Update{NAS: fmt.Sprintf("sim-%03d", rng.IntN(nasCount)), AcctID: fmt.Sprintf("%04x%02x%05x", day, slot, i),
			Username: fmt.Sprintf("visitor%06d", rng.IntN(400_000)), MAC: fmt.Sprintf("02:%02x:%02x:%02x:%02x:%02x",
				rng.IntN(256), rng.IntN(256), rng.IntN(256), rng.IntN(256), rng.IntN(256)),
			FramedIP: fmt.Sprintf("10.%d.%d.%d", rng.IntN(256), rng.IntN(256), rng.IntN(256)), Class: "whk1:0123456789abcdef:free"}
		start, interim, stop := base, base, base
		start.Status, start.At = accounting.Start, begin
		interim.Status, interim.At, interim.SessionTime = accounting.Interim, begin.Add(length/2), uint32(length/2/time.Second)
		interim.InputOctets, interim.OutputOctets = uint64(rng.IntN(50<<20)), uint64(rng.IntN(200<<20))
		stop.Status, stop.At, stop.SessionTime, stop.TerminateCause = accounting.Stop, begin.Add(length), uint32(length/time.Second), "User-Request"
		stop.InputOctets, stop.OutputOctets = interim.InputOctets*2, interim.OutputOctets*2
		us = append(us, start, interim, stop)
	}
	// Starts first, then interims, then stops, in groups as a busy
	// accounting port would see them.
	for phase := range 3 {
		var group []accounting.Update
		for i := phase; i < len(us); i += 3 {
			group = append(group, us[i])
			if len(group) == 2048 || i+3 >= len(us) {
				_, errs := st.ApplyAll(group)
				for _, err := range errs {
					if err != nil {
						return err
					}
				}
				group = group[:0]
			}
		}
	}
	return nil
}
