package controller

import (
	"context"
	crand "crypto/rand"
	"encoding/binary"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/internal/secrets"
	"github.com/wifihk/wifihk/usage"
)

// usagePseudonymLabel derives the device pseudonyms' key from master.key.
const usagePseudonymLabel = "usage device pseudonyms"

// sketchKeep is how long an hour's device sketches are kept: past it no
// session can still close into that hour (the stale close has ended it).
const sketchKeep = 3 * 24 * time.Hour

// UsagePlaces places venues for the usage figures from reg's snapshot.
func UsagePlaces(reg *hotspots.Registry) usage.Places { return places{reg} }

// UsagePseudonymKey is the key of the usage figures' device pseudonyms.
func UsagePseudonymKey(s *secrets.Sealer) []byte { return s.Key(usagePseudonymLabel) }

// places finds a venue's district, venue type and organisation in the
// registry's snapshot.
type places struct{ reg *hotspots.Registry }

func (p places) Place(venue string) (usage.Place, bool) {
	org, district, typ, ok := p.reg.VenuePlace(hotspots.VenueKey(venue))
	if !ok {
		org, _, _ = strings.Cut(venue, "/")
	}
	return usage.Place{District: district, VenueType: typ, Org: org}, ok
}

// mountUsage keeps the hourly usage figures from accounting's commits and
// the agents' reports, flushes them to the store, purges them after
// retention and publishes yesterday's open data. It runs after
// mountRADIUS and mountAgents and before any packet is served.
func (a *App) mountUsage() error {
	cfg := a.Config.Usage
	if cfg.Disabled {
		return nil
	}
	agg := usage.NewAggregator(places{a.Registry}, UsagePseudonymKey(a.Sealer))
	open, err := a.Sessions.List(true, 0)
	if err != nil {
		return err
	}
	agg.Seed(open, time.Now())
	a.Sessions.Observe(agg.Sessions)
	a.usageAgg = agg
	flushed := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "wifihk_usage_flushes_total",
		Help: "Flushes of the hourly usage figures to the store, by result."}, []string{"result"})
	a.Metrics.MustRegister(flushed)
	flush := func(context.Context) {
		_, err := usage.Flush(a.DB, agg, time.Now())
		if err != nil {
			a.Log.Error("usage flush", "err", err)
			flushed.WithLabelValues("error").Inc()
			return
		}
		flushed.WithLabelValues("ok").Inc()
	}
	a.runUntilStop(func(ctx context.Context) { every(ctx, cfg.FlushEvery, flush) })
	a.onClose(func() error { _, err := usage.Flush(a.DB, agg, time.Now()); return err })
	if cfg.Publish && !a.Config.Retention.Disabled {
		a.usageNoise = usage.NewNoise(rand.New(rand.NewChaCha8(seed())))
		publish := func(context.Context) {
			// Yesterday, once its last sessions can have been flushed.
			a.publishUsage(time.Now().In(usage.HongKong).Add(-time.Hour-cfg.FlushEvery).AddDate(0, 0, -1))
		}
		a.runUntilStop(func(ctx context.Context) { every(ctx, 10*time.Minute, publish) })
	}
	return nil
}

// publishUsage publishes day's open usage data unless it is out already
// or publishing is off.
func (a *App) publishUsage(day time.Time) {
	if a.usageNoise == nil {
		return
	}
	a.publishMu.Lock() // the noise's generator is not safe for concurrent use
	defer a.publishMu.Unlock()
	if _, made, err := usage.Publish(a.DB, day, a.Config.Usage.Privacy, a.usageNoise, time.Now()); err != nil {
		a.Log.Error("usage publish", "err", err)
	} else if made {
		a.Log.Info("usage open data published", "date", day.In(usage.HongKong).Format("2006-01-02"))
	}
}

// seed is a fresh ChaCha8 seed from the system's random source.
func seed() [32]byte {
	var s [32]byte
	if _, err := crand.Read(s[:]); err != nil {
		// crypto/rand does not fail on the systems Go supports.
		binary.LittleEndian.PutUint64(s[:], uint64(time.Now().UnixNano()))
	}
	return s
}

// FlushUsage stores the usage figures gathered so far, at once (tests,
// and before a backup).
func (a *App) FlushUsage() error {
	if a.usageAgg == nil {
		return nil
	}
	_, err := usage.Flush(a.DB, a.usageAgg, time.Now())
	return err
}
