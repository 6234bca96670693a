package hotspots

import (
	"context"
	"encoding/json"
	"math"
	"sort"
	"time"
)

// APStatusSource says which APs are online. telemetry satisfies it
// from agent heartbeats; without one, "APs online" is unknown.
type APStatusSource interface {
	// OnlineAPs returns the IDs of the APs that are online now.
	OnlineAPs(ctx context.Context) ([]string, error)
}

// UsageSource reports visitor usage per NAS. accounting satisfies it
// from RADIUS accounting; without one, usage is unknown.
type UsageSource interface {
	// UsageByNAS returns, per NAS id, the sessions open now and the devices
	// and bytes (in plus out) of the day that holds since (Hong Kong time).
	UsageByNAS(ctx context.Context, since time.Time) (map[string]NASUsage, error)
}

// NASUsage is one NAS's usage.
type NASUsage struct {
	OpenSessions int   `json:"open_sessions"`
	DevicesToday int   `json:"devices_today"`
	BytesToday   int64 `json:"bytes_today"`
}

// AddBytes adds n (not negative) to BytesToday, which stops at
// math.MaxInt64 rather than wrapping negative.
func (u *NASUsage) AddBytes(n int64) { u.BytesToday = addCount(u.BytesToday, n) }

// addCount adds counts that are not negative, stopping at math.MaxInt64
// rather than wrapping: a day's bytes summed over sessions, NAS and
// venues can pass it (Gigawords let one session report 2^64-1 each way).
func addCount(a, b int64) int64 {
	a, b = max(a, 0), max(b, 0)
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

// Count is a number that may be unknown; it is the JSON string "unknown"
// until its source is wired in.
type Count struct {
	N     int64
	Known bool
}

// MarshalJSON writes the number, or "unknown".
func (c Count) MarshalJSON() ([]byte, error) {
	if !c.Known {
		return []byte(`"unknown"`), nil
	}
	return json.Marshal(c.N)
}

// UnmarshalJSON reads what MarshalJSON writes.
func (c *Count) UnmarshalJSON(b []byte) error {
	if string(b) == `"unknown"` {
		*c = Count{}
		return nil
	}
	c.Known = true
	return json.Unmarshal(b, &c.N)
}

// CoverageRow is one district's or venue type's counts.
type CoverageRow struct {
	Name         string `json:"name"`
	Venues       int    `json:"venues"`
	Hotspots     int    `json:"hotspots"`
	NAS          int    `json:"nas"`
	APs          int    `json:"aps"`
	APsOnline    Count  `json:"aps_online"`
	OpenSessions Count  `json:"sessions_open"`
	DevicesToday Count  `json:"devices_today"`
	BytesToday   Count  `json:"bytes_today"`
}

// Coverage is the network's coverage per district and per venue type.
// Devices today add up each NAS's distinct devices, so a device seen at
// two gateways counts twice.
type Coverage struct {
	Generated   time.Time     `json:"generated"`
	Org         string        `json:"org,omitempty"`
	Total       CoverageRow   `json:"total"`
	Districts   []CoverageRow `json:"districts"`
	VenueTypes  []CoverageRow `json:"venue_types"`
	Target      int           `json:"target_venues_per_district"`
	BelowTarget []string      `json:"below_target"`
}

// CoverageSources are the optional live sources of a coverage view.
type CoverageSources struct {
	APStatus APStatusSource // nil: APs online unknown
	Usage    UsageSource    // nil: sessions, devices and bytes unknown
}

// hongKong is UTC+8 all year (no summer time since 1979).
var hongKong = time.FixedZone("HKT", 8*3600)

// Coverage counts venues, hotspots, NAS and APs per district and venue type,
// of one organisation when org is set, and lists the districts with fewer
// venues than target.
func (r *Registry) Coverage(ctx context.Context, org string, target int, src CoverageSources) (Coverage, error) {
	ci, err := r.coverageIndex()
	if err != nil {
		return Coverage{}, err
	}
	vs := ci.venues
	now := r.now()
	cov := Coverage{Generated: now.UTC(), Org: org, Target: target, BelowTarget: []string{}}
	online, onlineKnown, err := ci.onlinePerVenue(ctx, src.APStatus)
	if err != nil {
		return Coverage{}, err
	}
	y, m, d := now.In(hongKong).Date()
	usage, usageKnown, err := ci.usagePerVenue(ctx, src.Usage, r.nas.Load().byName, time.Date(y, m, d, 0, 0, 0, 0, hongKong))
	if err != nil {
		return Coverage{}, err
	}
	nasPer := make([]int32, len(vs.list))
	for _, n := range r.nas.Load().byName {
		if i, ok := vs.byKey[n.Hotspot]; ok {
			nasPer[i]++
		}
	}
	dist := make([]CoverageRow, len(districts))
	types := make([]CoverageRow, len(ci.types))
	for i := range vs.list {
		v := &vs.list[i]
		if org != "" && v.Org != org {
			continue
		}
		var u NASUsage
		if usage != nil {
			u = usage[i]
		}
		var on int32
		if online != nil {
			on = online[i]
		}
		add := CoverageRow{Venues: 1, Hotspots: v.Hotspots, NAS: int(nasPer[i]), APs: int(ci.apsPer[i]),
			APsOnline: Count{N: int64(on)}, OpenSessions: Count{N: int64(u.OpenSessions)},
			DevicesToday: Count{N: int64(u.DevicesToday)}, BytesToday: Count{N: u.BytesToday}}
		cov.Total.plus(&add)
		dist[ci.district[i]].plus(&add)
		types[ci.typeOf[i]].plus(&add)
	}
	known := func(row *CoverageRow) {
		row.APsOnline.Known, row.OpenSessions.Known = onlineKnown, usageKnown
		row.DevicesToday.Known, row.BytesToday.Known = usageKnown, usageKnown
	}
	cov.Total.Name = "total"
	known(&cov.Total)
	for i, d := range districts {
		dist[i].Name = d.EN
		known(&dist[i])
		if dist[i].Venues < target {
			cov.BelowTarget = append(cov.BelowTarget, d.EN)
		}
	}
	cov.Districts = dist
	for i := range types {
		if types[i].Venues > 0 {
			types[i].Name = ci.types[i]
			known(&types[i])
			cov.VenueTypes = append(cov.VenueTypes, types[i])
		}
	}
	sort.SliceStable(cov.VenueTypes, func(i, j int) bool { return cov.VenueTypes[i].Venues > cov.VenueTypes[j].Venues })
	return cov, nil
}

func (row *CoverageRow) plus(o *CoverageRow) {
	row.Venues += o.Venues
	row.Hotspots += o.Hotspots
	row.NAS += o.NAS
	row.APs += o.APs
	row.APsOnline.N += o.APsOnline.N
	row.OpenSessions.N += o.OpenSessions.N
	row.DevicesToday.N += o.DevicesToday.N
	row.BytesToday.N = addCount(row.BytesToday.N, o.BytesToday.N)
}

// onlinePerVenue counts the online APs per venue index.
func (ci *coverageIndex) onlinePerVenue(ctx context.Context, src APStatusSource) ([]int32, bool, error) {
	if src == nil {
		return nil, false, nil
	}
	ids, err := src.OnlineAPs(ctx)
	if err != nil {
		return nil, false, err
	}
	out := make([]int32, len(ci.venues.list))
	for _, id := range ids {
		if i := ci.venueOfAP(id); i >= 0 {
			out[i]++
		}
	}
	return out, true, nil
}

// usagePerVenue adds up the usage of each venue's NAS.
func (ci *coverageIndex) usagePerVenue(ctx context.Context, src UsageSource, nas []NAS, since time.Time) ([]NASUsage, bool, error) {
	if src == nil {
		return nil, false, nil
	}
	byNAS, err := src.UsageByNAS(ctx, since)
	if err != nil {
		return nil, false, err
	}
	out := make([]NASUsage, len(ci.venues.list))
	for _, n := range nas {
		u, ok := byNAS[n.ID]
		i, at := ci.venues.byKey[n.Hotspot]
		if !ok || !at {
			continue
		}
		out[i].OpenSessions += u.OpenSessions
		out[i].DevicesToday += u.DevicesToday
		out[i].AddBytes(u.BytesToday)
	}
	return out, true, nil
}
