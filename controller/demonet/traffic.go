package demonet

import (
	"fmt"
	"math"
	"time"

	"github.com/wifihk/wifihk/accounting"
	"github.com/wifihk/wifihk/agent/wire"
	"github.com/wifihk/wifihk/usage"
)

// A simulated agent reports every 15 minutes in the past day, every
// minute live.
// The gateways send an Interim-Update every 5 minutes live, every 15
// in the past day (which keeps the first start quick).
const (
	historyReportEvery  = 15 * time.Minute
	liveReportEvery     = time.Minute
	historyInterimEvery = 15 * time.Minute
	interimEvery        = 5 * time.Minute
)

// load is how busy s is at t, a bump over its opening hours in Hong
// Kong time up to 1 at its busiest, and 0.2 outside them: the outdoor
// hotspots of a venue stay on, and a demo watched while Hong Kong sleeps
// still moves.
func (s site) load(t time.Time) float64 {
	lt := t.In(usage.HongKong)
	h := float64(lt.Hour()) + float64(lt.Minute())/60
	if h < float64(s.open) || h >= float64(s.close) {
		return 0.2
	}
	x := (h - float64(s.open)) / float64(s.close-s.open)
	return 0.3 + 0.7*math.Sin(math.Pi*x)
}

// starts draws how many sessions begin at s in d from t: a Poisson draw
// around its load.
func (n *Network) starts(s site, t time.Time, d time.Duration) int {
	mean := s.busy * s.load(t) * d.Hours()
	// Knuth's method: means here stay small.
	limit, k, p := math.Exp(-mean), 0, n.rng.Float64()
	for p > limit {
		k++
		p *= n.rng.Float64()
	}
	return k
}

// newSession draws a visitor's session at site si starting at start.
func (n *Network) newSession(si int, start time.Time) *simSession {
	n.next++
	s := sites[si]
	// Lengths: at least 3 minutes, 35 on average, at most 4 hours.
	dur := 3*time.Minute + time.Duration(n.rng.ExpFloat64()*float64(32*time.Minute))
	dur = min(dur, 4*time.Hour)
	dev := n.rng.IntN(int(s.busy*6) + 1) // a venue's regulars come back
	return &simSession{
		id:      fmt.Sprintf("demo-%x-%d", start.Unix(), n.next),
		site:    si,
		ap:      n.rng.IntN(len(s.aps)),
		user:    fmt.Sprintf("fp-DEMO%02d%04d", si, dev),
		mac:     fmt.Sprintf("02:de:%02x:%02x:%02x:01", si, dev>>8&0xff, dev&0xff),
		ip:      fmt.Sprintf("10.%d.%d.%d", 64+si, n.rng.IntN(16), 2+n.rng.IntN(250)),
		start:   start,
		end:     start.Add(dur),
		rate:    10_000 + n.rng.Float64()*70_000,
		upShare: 0.08 + n.rng.Float64()*0.12,
	}
}

// update is the accounting update a gateway sends for s at t.
func (n *Network) update(s *simSession, st accounting.Status, t time.Time) accounting.Update {
	site := sites[s.site]
	u := accounting.Update{NAS: site.nas, AcctID: s.id, Status: st, Username: s.user, MAC: s.mac, FramedIP: s.ip,
		Venue: string(site.venue), At: t}
	if st != accounting.Start {
		u.InputOctets, u.OutputOctets = s.octets(t)
		u.InputPackets, u.OutputPackets = uint32(u.InputOctets/400), uint32(u.OutputOctets/1200)
		u.SessionTime = uint32(max(0, t.Sub(s.start)/time.Second))
	}
	if st == accounting.Stop {
		u.TerminateCause = "User-Request"
		if n.rng.IntN(3) == 0 {
			u.TerminateCause = "Idle-Timeout"
		}
	}
	return u
}

// report is what AP a's agent reports for (from, to], from the sessions
// at its site that overlap it.
func (a *simAP) report(from, to time.Time, interval time.Duration, sessions []*simSession) *wire.Report {
	st := wire.APStats{Iface: "wlan0", MemTotalKB: 262144, AgentRSSKB: 9200,
		UptimeS: to.Sub(a.ap.Created.Add(-72 * time.Hour)).Seconds()}
	for _, s := range sessions {
		if s.site != a.site || s.ap != a.index || !s.start.Before(to) || !s.end.After(from) {
			continue
		}
		st.ClientsInterval++
		if s.end.After(to) {
			st.ClientsNow++
		}
		in0, out0 := s.octets(from)
		in1, out1 := s.octets(to)
		st.BytesUp += in1 - in0
		st.BytesDown += out1 - out0
	}
	st.PacketsUp, st.PacketsDown = st.BytesUp/400, st.BytesDown/1200
	st.Captured = st.PacketsUp + st.PacketsDown
	st.Load1 = 0.1 + float64(st.ClientsNow)*0.02
	st.Load5, st.Load15 = st.Load1, st.Load1
	st.MemAvailableKB = 140000 - uint64(st.ClientsNow)*500
	a.seq++
	return &wire.Report{Version: wire.Version, Seq: a.seq, AgentVersion: "demo", Start: from, End: to,
		IntervalS: int(interval / time.Second), AP: st, Clients: []wire.Client{}}
}
