package demonet

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/wifihk/wifihk/accounting"
	"github.com/wifihk/wifihk/agent/wire"
)

// send hands one report to telemetry as the agent API does, after the
// same validation.
func (n *Network) send(ctx context.Context, a *simAP, r *wire.Report) error {
	if err := r.Validate(); err != nil {
		return fmt.Errorf("demonet: report of %s: %w", a.ap.Name, err)
	}
	if _, err := n.tel.Ingest(ctx, a.ap, r); err != nil {
		return fmt.Errorf("demonet: report of %s: %w", a.ap.Name, err)
	}
	return nil
}

// AwaitOffline waits until the offline AP's last report is three of its
// intervals old and runs telemetry's offline check, so that the alert
// comes within seconds; the service's own check would raise it within
// its period (10 s) after that.
func (n *Network) AwaitOffline(ctx context.Context) error {
	off := n.offlineAP()
	if off == nil || off.sent.IsZero() {
		return nil // not played by this start: its alert is stored already
	}
	wait := time.Until(off.sent.Add(3*time.Second + 100*time.Millisecond))
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(wait):
	}
	return n.tel.CheckOffline()
}

// Run keeps the network going until ctx ends: every tick, visitors come
// and go at each site as its load says, open sessions send an Interim
// every 5 minutes, and each AP but the offline one reports every minute.
// It first takes over the demo's sessions left open: those its gateway
// updated in the last 10 minutes go on, older ones (the demo was
// stopped) end at their last update.
func (n *Network) Run(ctx context.Context, tick time.Duration) {
	if err := n.resume(); err != nil {
		n.log.Warn("demo network: resume", "err", err)
	}
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		if err := n.step(ctx, tick); err != nil && ctx.Err() == nil {
			n.log.Warn("demo network", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// resume loads the APs' last sequence numbers and the demo's open
// sessions not played by this start.
func (n *Network) resume() error {
	now := n.now()
	for i := range n.aps {
		a := &n.aps[i]
		st, err := n.tel.APStatus(a.ap.ID)
		if err != nil {
			return err
		}
		a.seq = max(a.seq, st.LastSeq)
		if a.last.IsZero() {
			a.last = now.Add(-liveReportEvery)
		}
	}
	open, err := n.sess.List(true, 0)
	if err != nil {
		return err
	}
	var ended []accounting.Update
	for _, ss := range open {
		si := slices.IndexFunc(sites, func(s site) bool { return s.nas == ss.NAS })
		if si < 0 || n.open[ss.AcctID] != nil {
			continue
		}
		s := &simSession{id: ss.AcctID, site: si, user: ss.Username, mac: ss.MAC, ip: ss.FramedIP, start: ss.Started,
			interim: ss.Updated, upShare: 0.1}
		if secs := ss.Updated.Sub(ss.Started).Seconds(); secs > 0 {
			s.rate = float64(ss.OutputOctets) / secs
		}
		if now.Sub(ss.Updated) > 10*time.Minute {
			s.end = ss.Updated
			ended = append(ended, n.update(s, accounting.Stop, ss.Updated))
			continue
		}
		s.end = now.Add(time.Duration(n.rng.Int64N(int64(40 * time.Minute))))
		n.open[s.id] = s
	}
	_, errs := n.sess.ApplyAll(ended)
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// step plays what happened in the last tick up to now.
func (n *Network) step(ctx context.Context, tick time.Duration) error {
	now := n.now()
	var us []accounting.Update
	for si, s := range sites {
		for range n.starts(s, now, tick) {
			ss := n.newSession(si, now)
			ss.interim = now
			n.open[ss.id] = ss
			us = append(us, n.update(ss, accounting.Start, now))
		}
	}
	for _, id := range slices.Sorted(maps.Keys(n.open)) {
		ss := n.open[id]
		switch {
		case !ss.end.After(now):
			us = append(us, n.update(ss, accounting.Stop, ss.end))
			delete(n.open, id)
		case now.Sub(ss.interim) >= interimEvery:
			ss.interim = now
			us = append(us, n.update(ss, accounting.Interim, now))
		}
	}
	if err := n.apply(ctx, us); err != nil {
		return err
	}
	live := slices.Collect(maps.Values(n.open))
	for i := range n.aps {
		a := &n.aps[i]
		if a.offline || now.Sub(a.last) < liveReportEvery {
			continue
		}
		if err := n.send(ctx, a, a.report(a.last, now, liveReportEvery, live)); err != nil {
			return err
		}
		a.last = now
	}
	return nil
}
