package controller

import (
	"context"
	"time"

	"github.com/wifihk/wifihk/controller/demonet"
	"github.com/wifihk/wifihk/usage"
)

// DemoNetworkNASVenue is the venue of the demo NAS (127.0.0.1) that
// DemoNetwork seeds: the Hong Kong Central Library, a real venue.
var DemoNetworkNASVenue = demonet.NASVenue

// DemoLive is how often the demo network's live traffic moves on.
const DemoLive = 15 * time.Second

// DemoReady is what DemoNetwork did, once the past day is played.
type DemoReady struct {
	demonet.Summary
	Took time.Duration // from Run's start until the past day was in
	Err  error
}

// DemoNetwork seeds what `serve -demo` shows: Demo's NAS, visitor,
// console admin and certificate, with the 5,430 real Wi-Fi.HK venues in
// place of Demo's fictional ones, and the simulated APs and gateways of
// controller/demonet (demo data). It loads the venues and registers the
// simulation now; once Run starts, the simulation plays the past day
// (on a new data dir), publishes yesterday's open usage data, sends what
// it did on the channel, raises the offline AP's alert a few seconds
// later, then plays live traffic until Run stops. Call it before Run.
// Seeding twice adds nothing.
func (a *App) DemoNetwork() (demonet.Summary, <-chan DemoReady, error) {
	net, err := demonet.New(demonet.Config{Registry: a.Registry, Sessions: a.Sessions, Telemetry: a.Telemetry,
		Log: a.Log.With("component", "demo")})
	if err != nil {
		return demonet.Summary{}, nil, err
	}
	sum, err := net.Setup(context.Background())
	if err != nil {
		return sum, nil, err
	}
	nas := func() error { return a.demoNAS(demonet.NASVenue) }
	if err := seedDemo(a.demoTLS, nas, a.demoVisitors, a.demoStaff); err != nil {
		return sum, nil, err
	}
	ready := make(chan DemoReady, 1)
	a.runUntilStop(func(ctx context.Context) {
		ready <- a.playDemo(ctx, net)
		if err := net.AwaitOffline(ctx); err != nil && ctx.Err() == nil {
			a.Log.Warn("demo: offline check", "err", err)
		}
		if ctx.Err() == nil {
			net.Run(ctx, DemoLive)
		}
	})
	return sum, ready, nil
}

// playDemo plays the past day from the start of yesterday in Hong Kong,
// and flushes and publishes the usage figures it made. The offline AP's
// alert follows within seconds (AwaitOffline).
func (a *App) playDemo(ctx context.Context, net *demonet.Network) DemoReady {
	start := time.Now()
	hk := start.In(usage.HongKong)
	yesterday := time.Date(hk.Year(), hk.Month(), hk.Day()-1, 0, 0, 0, 0, usage.HongKong)
	sum, err := net.History(ctx, yesterday)
	if err == nil && sum.Sessions > 0 {
		// Sync: the flush reads accounting's journaled tail too.
		if err = a.Sessions.Sync(); err == nil {
			err = a.FlushUsage()
		}
		a.publishUsage(yesterday)
	}
	return DemoReady{Summary: sum, Took: time.Since(start), Err: err}
}
