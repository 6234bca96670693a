package demonet

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/wifihk/wifihk/accounting"
	"github.com/wifihk/wifihk/agent/wire"
	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/hotspots/realvenues"
)

// Summary says what Setup and History did.
type Summary struct {
	// VenuesImported is how many real venues this start loaded: all of
	// them on a new data dir, none later.
	VenuesImported int
	APs            int    // simulated APs
	Sites          int    // venues they are at
	Districts      int    // districts those are in
	Offline        string // "AP at venue": the AP that stops reporting
	// Sessions and Reports are what History played: a past day's
	// accounting sessions and agent reports, none once played.
	Sessions, Reports int
}

// apMAC is the MAC of site si's AP ai: locally administered, in a
// range of the demo's own.
func apMAC(si, ai int) string { return fmt.Sprintf("02:de:00:00:%02x:%02x", si, ai) }

// Setup loads the real Wi-Fi.HK venues unless the simulated APs are
// registered already (a later start), and registers the simulated
// gateways and APs that are missing. Starting twice adds nothing.
func (n *Network) Setup(ctx context.Context) (Summary, error) {
	var sum Summary
	have, err := n.registeredAPs()
	if err != nil {
		return sum, err
	}
	if len(have) < n.apCount() {
		res, err := n.reg.Import(ctx, realvenues.CSV(), hotspots.ImportOptions{Format: "csv"})
		if err != nil {
			return sum, fmt.Errorf("demonet: load the real venues: %w", err)
		}
		sum.VenuesImported = res.Created
	}
	districts := map[string]bool{}
	n.aps = n.aps[:0]
	for si, s := range sites {
		v, err := n.reg.Venue(s.venue)
		if err != nil {
			return sum, fmt.Errorf("demonet: venue %s: %w", s.venue, err)
		}
		districts[v.District] = true
		if err := n.addGateway(s); err != nil {
			return sum, err
		}
		for ai, name := range s.aps {
			ap, ok := have[apMAC(si, ai)]
			if !ok {
				if ap, _, err = n.reg.AddAP(s.venue, name, apMAC(si, ai)); err != nil {
					return sum, fmt.Errorf("demonet: AP %s: %w", name, err)
				}
			}
			n.aps = append(n.aps, simAP{ap: ap, site: si, index: ai})
		}
		if si == len(sites)-1 {
			n.aps[len(n.aps)-1].offline = true
			n.offlineName = n.aps[len(n.aps)-1].ap.Name + " at " + v.NameEN
			sum.Offline = n.offlineName
		}
	}
	sum.APs, sum.Sites, sum.Districts = len(n.aps), len(sites), len(districts)
	return sum, nil
}

func (n *Network) apCount() int {
	c := 0
	for _, s := range sites {
		c += len(s.aps)
	}
	return c
}

// registeredAPs returns the simulated APs registered already, by MAC.
func (n *Network) registeredAPs() (map[string]hotspots.AP, error) {
	all, _, err := n.reg.ListAPs(hotspots.APFilter{}, 0, 0)
	if err != nil {
		return nil, fmt.Errorf("demonet: %w", err)
	}
	want := map[string]bool{}
	for si, s := range sites {
		for ai := range s.aps {
			want[apMAC(si, ai)] = true
		}
	}
	have := map[string]hotspots.AP{}
	for _, ap := range all {
		if want[ap.MAC] {
			have[ap.MAC] = ap
		}
	}
	return have, nil
}

// addGateway registers site s's simulated gateway, unless it is.
func (n *Network) addGateway(s site) error {
	_, err := n.reg.AddNAS(hotspots.NASInput{Name: s.nas, IP: s.ip, Secret: rand.Text(), Hotspot: s.venue})
	if err != nil && !errors.Is(err, hotspots.ErrNASExists) {
		return fmt.Errorf("demonet: gateway %s: %w", s.nas, err)
	}
	return nil
}

// History plays the past day, from the start of yesterday in Hong Kong
// (so that yesterday's open usage data can be published whole) to now:
// each site's sessions as Start, Interim and Stop updates in time order,
// the ones still going left open, and every AP's reports each 15
// minutes. A data dir whose offline AP has reported has its history:
// History then plays nothing.
func (n *Network) History(ctx context.Context, from time.Time) (Summary, error) {
	var sum Summary
	off := n.offlineAP()
	if off == nil {
		return sum, errors.New("demonet: History before Setup")
	}
	if st, err := n.tel.APStatus(off.ap.ID); err != nil || st.LastSeq > 0 {
		return sum, err
	}
	now := n.now()
	played := n.drawHistory(from, now)
	updates := n.historyUpdates(played, now)
	// The agents and the gateways side by side, as in a real network:
	// the two go through journals of their own.
	var reports int
	var reportsErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		reports, reportsErr = n.historyReports(ctx, played, from, now)
		n.log.Debug("past day: reports stored", "reports", reports, "took", time.Since(now))
	}()
	err := n.apply(ctx, updates)
	n.log.Debug("past day: accounting stored", "sessions", len(played), "updates", len(updates), "took", time.Since(now))
	<-done
	if err = errors.Join(err, reportsErr); err != nil {
		return sum, err
	}
	for _, s := range played {
		if s.end.After(now) {
			n.open[s.id] = s
		}
	}
	sum.Sessions, sum.Reports, sum.Offline = len(played), reports, n.offlineName
	return sum, nil
}

func (n *Network) offlineAP() *simAP {
	for i := range n.aps {
		if n.aps[i].offline {
			return &n.aps[i]
		}
	}
	return nil
}

// drawHistory draws every site's sessions that started in [from, now).
func (n *Network) drawHistory(from, now time.Time) []*simSession {
	var out []*simSession
	for t := from.Truncate(time.Hour); t.Before(now); t = t.Add(time.Hour) {
		for si, s := range sites {
			for range n.starts(s, t.Add(30*time.Minute), time.Hour) {
				start := t.Add(time.Duration(n.rng.Int64N(int64(time.Hour))))
				if !start.Before(from) && start.Before(now) {
					out = append(out, n.newSession(si, start))
				}
			}
		}
	}
	return out
}

// historyUpdates is the gateways' accounting for played, in time order:
// a Start, an Interim every historyInterimEvery while it lasts (the last one
// before now for a session still open), and a Stop for those that ended.
func (n *Network) historyUpdates(played []*simSession, now time.Time) []accounting.Update {
	var us []accounting.Update
	for _, s := range played {
		us = append(us, n.update(s, accounting.Start, s.start))
		t := s.start.Add(historyInterimEvery)
		for ; t.Before(s.end) && t.Before(now); t = t.Add(historyInterimEvery) {
			us = append(us, n.update(s, accounting.Interim, t))
		}
		s.interim = t.Add(-historyInterimEvery)
		if !s.end.After(now) {
			us = append(us, n.update(s, accounting.Stop, s.end))
		}
	}
	sort.SliceStable(us, func(i, j int) bool { return us[i].At.Before(us[j].At) })
	return us
}

// apply records us as the RADIUS server does, a batch at a time.
func (n *Network) apply(ctx context.Context, us []accounting.Update) error {
	const batch = 1000
	for i := 0; i < len(us); i += batch {
		if err := ctx.Err(); err != nil {
			return err
		}
		_, errs := n.sess.ApplyAll(us[i:min(i+batch, len(us))])
		if err := errors.Join(errs...); err != nil {
			return fmt.Errorf("demonet: accounting: %w", err)
		}
	}
	return nil
}

// historyReports sends every AP's reports for [from, now), the APs side
// by side, as a fleet of agents would.
func (n *Network) historyReports(ctx context.Context, played []*simSession, from, now time.Time) (int, error) {
	var wg sync.WaitGroup
	errs := make([]error, len(n.aps))
	counts := make([]int, len(n.aps))
	for i := range n.aps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			counts[i], errs[i] = n.apHistory(ctx, &n.aps[i], played, from, now)
		}()
	}
	wg.Wait()
	total := 0
	for _, c := range counts {
		total += c
	}
	return total, errors.Join(errs...)
}

// apHistory sends one AP's reports for [from, now): all but the last at
// once, as an agent that was cut off sends its spool (they share a few
// journal syncs), then the last, which the AP's status keeps. The AP that
// goes offline sends its last with a one-second interval, so that the
// offline check finds it missing within seconds (AwaitOffline).
func (n *Network) apHistory(ctx context.Context, a *simAP, played []*simSession, from, now time.Time) (int, error) {
	var reports []*wire.Report
	for t := from; t.Before(now); t = t.Add(historyReportEvery) {
		end, every := t.Add(historyReportEvery), historyReportEvery
		if !end.Before(now) {
			end = now
			if a.offline {
				every = time.Second
			}
		}
		reports = append(reports, a.report(t, end, every, played))
	}
	if len(reports) == 0 {
		return 0, nil
	}
	errs := make([]error, len(reports)-1)
	var wg sync.WaitGroup
	for i, r := range reports[:len(reports)-1] {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = n.send(ctx, a, r) }()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return 0, err
	}
	if err := n.send(ctx, a, reports[len(reports)-1]); err != nil {
		return len(reports) - 1, err
	}
	a.last, a.sent = now, time.Now()
	return len(reports), nil
}
