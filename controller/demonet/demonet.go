// Package demonet is demo data, not real usage: the small simulated
// network that `wifihk serve -demo` shows a new user. It loads the real
// Wi-Fi.HK venues (hotspots/realvenues) into the registry, puts a few
// simulated gateways and access points at real venues in several
// districts, and plays a past day of their traffic and then live traffic
// through the product's own paths: RADIUS accounting updates into
// accounting.Store (as the RADIUS server decodes them) and agent reports
// into telemetry.Service (as the agent API decodes them), from which the
// usage figures, AP status and alerts follow as they would from real
// gateways and agents. One AP stops reporting, so the alerts page has an
// alert. Everything it writes is marked as the demo's: its gateways are
// named demo-sim-…, its APs demo-…, its session IDs start with "demo-".
package demonet

import (
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/wifihk/wifihk/accounting"
	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/telemetry"
)

// Config is what the simulation writes through. Zero fields take the
// defaults named.
type Config struct {
	Registry  *hotspots.Registry
	Sessions  *accounting.Store
	Telemetry *telemetry.Service
	// Log is quiet by default.
	Log *slog.Logger
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// Rand draws the traffic. Default a randomly seeded generator.
	Rand *rand.Rand
}

// Network is the simulated part of the demo.
type Network struct {
	reg  *hotspots.Registry
	sess *accounting.Store
	tel  *telemetry.Service
	log  *slog.Logger
	now  func() time.Time
	rng  *rand.Rand

	aps         []simAP                // registered by Setup, in sites' order
	offlineName string                 // "AP at venue" of the AP that goes offline
	open        map[string]*simSession // live sessions by Acct-Session-Id
	next        int                    // the next session number of this run
}

// New returns the simulation; Setup registers it.
func New(cfg Config) (*Network, error) {
	if cfg.Registry == nil || cfg.Sessions == nil || cfg.Telemetry == nil {
		return nil, errors.New("demonet: Registry, Sessions and Telemetry are required")
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	}
	return &Network{reg: cfg.Registry, sess: cfg.Sessions, tel: cfg.Telemetry, log: cfg.Log, now: cfg.Now,
		rng: cfg.Rand, open: map[string]*simSession{}}, nil
}

// site is a real venue where the demo simulates a gateway and APs.
type site struct {
	venue hotspots.VenueKey
	nas   string // the simulated gateway's name
	ip    string // its address, from TEST-NET-1 (RFC 5737): no real packet comes from there
	aps   []string
	// busy is the sessions an hour at the busiest hour; open and close
	// are the local hours between which the venue is busy.
	busy        float64
	open, close int
}

// sites are the simulated venues: real Wi-Fi.HK venues in seven
// districts. The last AP of the last site goes offline.
var sites = []site{
	{venue: "hkgwfs/HPL-001", nas: "demo-sim-central-library", ip: "192.0.2.11", aps: []string{"demo-hpl-1f", "demo-hpl-5f"}, busy: 60, open: 10, close: 21},
	{venue: "PCCW/133857", nas: "demo-sim-cultural-centre", ip: "192.0.2.12", aps: []string{"demo-hkcc-foyer"}, busy: 40, open: 9, close: 23},
	{venue: "hkgwfs/NPL-004", nas: "demo-sim-sha-tin-library", ip: "192.0.2.13", aps: []string{"demo-stpl"}, busy: 25, open: 10, close: 20},
	{venue: "hkgwfs/NPL-006", nas: "demo-sim-tuen-mun-library", ip: "192.0.2.14", aps: []string{"demo-tmpl"}, busy: 22, open: 10, close: 20},
	{venue: "hkgwfs/NPL-034", nas: "demo-sim-yuen-long-library", ip: "192.0.2.15", aps: []string{"demo-ylpl"}, busy: 20, open: 10, close: 20},
	{venue: "hkgwfs/NPL-028", nas: "demo-sim-tai-po-library", ip: "192.0.2.16", aps: []string{"demo-tppl"}, busy: 18, open: 10, close: 20},
	{venue: "hkgwfs/NFEH066", nas: "demo-sim-mui-wo-market", ip: "192.0.2.17", aps: []string{"demo-mwm-1", "demo-mwm-2"}, busy: 15, open: 6, close: 20},
}

// NASVenue is the venue of the demo's own gateway (the NAS 127.0.0.1 that
// the demo's captive portal gateway uses): the first simulated site.
var NASVenue = sites[0].venue

// simAP is a registered simulated AP.
type simAP struct {
	ap      hotspots.AP
	site    int  // index in sites
	index   int  // which of its site's APs
	offline bool // it stops reporting
	seq     uint64
	last    time.Time // the end of its last report
	sent    time.Time // when its last report was stored (the offline AP's)
}

// simSession is a session the simulation plays.
type simSession struct {
	id         string // Acct-Session-Id
	site, ap   int    // index in sites; which of its APs
	user, mac  string
	ip         string
	start, end time.Time
	rate       float64 // bytes down a second; up is upShare of it
	upShare    float64
	interim    time.Time // the last update sent
}

// octets is what s has carried by t, in and out from the NAS's side (in:
// from the visitor).
func (s *simSession) octets(t time.Time) (in, out uint64) {
	if t.After(s.end) {
		t = s.end
	}
	secs := max(0, t.Sub(s.start).Seconds())
	down := s.rate * secs
	return uint64(down * s.upShare), uint64(down)
}
