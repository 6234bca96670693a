package controller

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/wifihk/wifihk/accounting"
	"github.com/wifihk/wifihk/accounting/archive"
	"github.com/wifihk/wifihk/internal/datadir"
	"github.com/wifihk/wifihk/portal"
	"github.com/wifihk/wifihk/usage"
	"github.com/wifihk/wifihk/visitors"
)

// pseudonymLabel derives the archive's pseudonym key from master.key.
const pseudonymLabel = "archive pseudonyms"

// retention runs the purges of retention and the stale-session close.
type retention struct {
	a       *App
	vis     *visitors.Store
	arch    *archive.Archive // nil: archiving off
	removed *prometheus.CounterVec
	runs    *prometheus.CounterVec
	last    prometheus.Gauge
}

// mountRetention starts the stale-session close and the purges, unless
// retention is disabled on this node.
func (a *App) mountRetention() error {
	cfg := a.Config.Retention
	sess := a.Sessions
	a.Metrics.MustRegister(
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "wifihk_sessions_stale_closed_total",
			Help: "Open sessions closed because their NAS sent no accounting for too long."},
			func() float64 { return float64(sess.Stale().Closed) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "wifihk_sessions_stale_reopened_total",
			Help: "Sessions closed as stale that their NAS reopened with an Interim-Update."},
			func() float64 { return float64(sess.Stale().Reopened) }))
	if cfg.Disabled {
		return nil
	}
	r := &retention{a: a, vis: visitors.New(a.DB, a.Sealer),
		removed: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "wifihk_retention_removed_total",
			Help: "Records removed by retention, by kind."}, []string{"kind"}),
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "wifihk_retention_runs_total",
			Help: "Retention and stale-session runs, by job and result."}, []string{"job", "result"}),
		last: prometheus.NewGauge(prometheus.GaugeOpts{Name: "wifihk_retention_last_run_seconds",
			Help: "How long the last retention run took."}),
	}
	a.Metrics.MustRegister(r.removed, r.runs, r.last)
	if cfg.Archive.Enabled {
		dir := cfg.Archive.Dir
		if dir == "" {
			dir = datadir.Dir(a.Config.DataDir).Archive()
		}
		var key []byte
		if cfg.Archive.Pseudonymise {
			key = a.Sealer.Key(pseudonymLabel)
		}
		var err error
		if r.arch, err = archive.Open(dir, key); err != nil {
			return err
		}
	}
	a.runUntilStop(func(ctx context.Context) { every(ctx, cfg.Stale.Every, r.closeStale) })
	a.runUntilStop(func(ctx context.Context) { every(ctx, cfg.Every, r.purge) })
	return nil
}

// every runs f every d until ctx ends.
func every(ctx context.Context, d time.Duration, f func(context.Context)) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			f(ctx)
		}
	}
}

func (r *retention) result(job string, err error) {
	res := "ok"
	if err != nil && !errors.Is(err, context.Canceled) {
		res = "error"
		r.a.Log.Error("retention", "job", job, "err", err)
	}
	r.runs.WithLabelValues(job, res).Inc()
}

// closeStale closes the sessions whose NAS went silent.
func (r *retention) closeStale(ctx context.Context) {
	n, err := r.a.Sessions.CloseStale(ctx, r.staleRule(), time.Now())
	if n > 0 {
		r.a.Log.Info("stale sessions closed", "count", n)
	}
	r.result("stale", err)
}

// staleRule reads each session's interim interval from its plan (by the
// name in its Class), else from the default plan, remembering the plans
// for one run. openNDS sessions have none: openNDS reports only the end.
func (r *retention) staleRule() accounting.StaleRule {
	cfg := r.a.Config
	plans := map[string]int{"": cfg.Plan.InterimInterval}
	return accounting.StaleRule{Multiple: cfg.Retention.Stale.Multiple, Fallback: cfg.Retention.Stale.NoInterim,
		Interim: func(ss accounting.Session) time.Duration {
			if strings.HasPrefix(ss.AcctID, portal.FASAcctPrefix) {
				return 0
			}
			name := ss.Plan()
			secs, ok := plans[name]
			if !ok {
				secs = cfg.Plan.InterimInterval
				if p, err := r.a.Registry.Plan(name); err == nil {
					secs = p.InterimInterval
				}
				plans[name] = secs
			}
			return time.Duration(secs) * time.Second
		}}
}

// purge removes what is older than its retention, sessions archived first
// when archiving is on.
func (r *retention) purge(ctx context.Context) {
	cfg, now, start := r.a.Config.Retention, time.Now(), time.Now()
	if cfg.Sessions > 0 {
		before := now.Add(-cfg.Sessions)
		opt := accounting.PurgeOptions{Before: before, Batch: cfg.Batch, Pause: cfg.Pause, Yield: cfg.Yield}
		if r.arch != nil {
			opt.Archive = r.arch.Append
		}
		n, err := r.a.Sessions.PurgeClosed(ctx, opt)
		if err == nil && r.arch != nil {
			err = r.arch.Seal(before)
		}
		r.removed.WithLabelValues("sessions").Add(float64(n))
		r.result("sessions", err)
	}
	for _, p := range []struct {
		kind string
		keep time.Duration
		run  func(time.Time) (int, error)
	}{
		{"one_time_credentials", cfg.OneTimeCredentials, r.vis.PurgeOneTime},
		{"devices", cfg.Devices, r.vis.PurgeDevices},
		{"signup_codes", cfg.SignupCodes, r.vis.PurgeCodes},
		{"free_allowances", cfg.FreeAllowances, r.vis.PurgeAllowances},
		{"eap_resumptions", 0, r.vis.PurgeResumptions}, // useless once expired
	} {
		if ctx.Err() != nil {
			return
		}
		n, err := p.run(now.Add(-p.keep))
		r.removed.WithLabelValues(p.kind).Add(float64(n))
		r.result(p.kind, err)
	}
	if ctx.Err() == nil {
		n, err := usage.Purge(r.a.DB, now.Add(-cfg.UsageHourly), now.Add(-sketchKeep))
		r.removed.WithLabelValues("usage_hourly").Add(float64(n))
		r.result("usage_hourly", err)
	}
	r.last.Set(time.Since(start).Seconds())
}
