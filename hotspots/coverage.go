package hotspots

import (
	"context"
	"encoding/json"
	"sort"
	"time"
)

// APStatusSource says which APs are online. hotspots/telemetry satisfies it
// from agent heartbeats; without one, "APs online" is unknown.
type APStatusSource interface {
	// OnlineAPs returns the IDs of the APs that are online now.
	OnlineAPs(ctx context.Context) ([]string, error)
}

// UsageSource reports visitor usage per NAS. internal/sessions satisfies it
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

func (c *Count) add(n int64, known bool) {
	c.N += n
	c.Known = known
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
	vs, err := r.venues()
	if err != nil {
		return Coverage{}, err
	}
	as, err := r.aps()
	if err != nil {
		return Coverage{}, err
	}
	now := r.now()
	cov := Coverage{Generated: now.UTC(), Org: org, Target: target, BelowTarget: []string{}}
	online, onlineKnown, err := r.onlinePerVenue(ctx, src.APStatus, as)
	if err != nil {
		return Coverage{}, err
	}
	y, m, d := now.In(hongKong).Date()
	usage, usageKnown, err := r.usagePerVenue(ctx, src.Usage, time.Date(y, m, d, 0, 0, 0, 0, hongKong))
	if err != nil {
		return Coverage{}, err
	}
	nasPer := map[string]int{}
	for _, n := range r.nas.Load().byName {
		nasPer[n.Hotspot]++
	}
	byDistrict := map[string]*CoverageRow{}
	for _, d := range districts {
		byDistrict[d.EN] = &CoverageRow{Name: d.EN}
	}
	byType := map[string]*CoverageRow{}
	cov.Total.Name = "total"
	for i := range vs.list {
		v := &vs.list[i]
		if org != "" && v.Org != org {
			continue
		}
		t := byType[v.TypeEN]
		if t == nil {
			t = &CoverageRow{Name: v.TypeEN}
			byType[v.TypeEN] = t
		}
		key := v.Key()
		u := usage[key]
		for _, row := range []*CoverageRow{&cov.Total, byDistrict[v.District], t} {
			if row == nil { // a district name from an older build
				continue
			}
			row.Venues++
			row.Hotspots += v.Hotspots
			row.NAS += nasPer[key]
			row.APs += as.perVenue[key]
			row.APsOnline.add(int64(online[key]), onlineKnown)
			row.OpenSessions.add(int64(u.OpenSessions), usageKnown)
			row.DevicesToday.add(int64(u.DevicesToday), usageKnown)
			row.BytesToday.add(u.BytesToday, usageKnown)
		}
	}
	cov.Total.APsOnline.Known, cov.Total.OpenSessions.Known = onlineKnown, usageKnown
	cov.Total.DevicesToday.Known, cov.Total.BytesToday.Known = usageKnown, usageKnown
	for _, d := range districts {
		row := byDistrict[d.EN]
		row.APsOnline.Known, row.OpenSessions.Known = onlineKnown, usageKnown
		row.DevicesToday.Known, row.BytesToday.Known = usageKnown, usageKnown
		cov.Districts = append(cov.Districts, *row)
		if row.Venues < target {
			cov.BelowTarget = append(cov.BelowTarget, d.EN)
		}
	}
	for _, name := range sortedKeys(byType) {
		cov.VenueTypes = append(cov.VenueTypes, *byType[name])
	}
	sort.SliceStable(cov.VenueTypes, func(i, j int) bool { return cov.VenueTypes[i].Venues > cov.VenueTypes[j].Venues })
	return cov, nil
}

func (r *Registry) onlinePerVenue(ctx context.Context, src APStatusSource, as *apSnapshot) (map[string]int, bool, error) {
	if src == nil {
		return nil, false, nil
	}
	ids, err := src.OnlineAPs(ctx)
	if err != nil {
		return nil, false, err
	}
	out := map[string]int{}
	for _, id := range ids {
		if v, ok := as.venueOf[id]; ok {
			out[v]++
		}
	}
	return out, true, nil
}

func (r *Registry) usagePerVenue(ctx context.Context, src UsageSource, since time.Time) (map[string]NASUsage, bool, error) {
	if src == nil {
		return nil, false, nil
	}
	byNAS, err := src.UsageByNAS(ctx, since)
	if err != nil {
		return nil, false, err
	}
	out := map[string]NASUsage{}
	for _, n := range r.nas.Load().byName {
		u, ok := byNAS[n.ID]
		if !ok || n.Hotspot == "" {
			continue
		}
		acc := out[n.Hotspot]
		acc.OpenSessions += u.OpenSessions
		acc.DevicesToday += u.DevicesToday
		acc.BytesToday += u.BytesToday
		out[n.Hotspot] = acc
	}
	return out, true, nil
}
