package console

import (
	"context"
	"html/template"
	"net/http"
	"strings"
	"sync"

	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/telemetry"
)

type coverageData struct {
	Map          template.HTML
	Cov          hotspots.Coverage
	District     string // the district zoomed to, English; "" for all
	Districts    []hotspots.District
	Measure      string // the ?measure= the districts are shaded by
	Measures     []measureOption
	Shades       []shadeKey // the fill legend; none when the figure is unknown
	FillNote     string
	Online       int // venues by dot colour
	Offline      int
	NoAgent      int
	TelemetryOff bool
	Below        map[string]bool
	BelowText    string
}

// measureOption is one choice of figure to shade districts by.
type measureOption struct {
	Key, Text string
	Selected  bool
}

// shadeKey is one step of the fill legend: its class and its range.
type shadeKey struct {
	Class int
	Range string
}

// coverageSources are the live sources wired in so far.
func (c *Console) coverageSources() hotspots.CoverageSources {
	var src hotspots.CoverageSources
	if c.cfg.Telemetry != nil {
		src.APStatus = c.cfg.Telemetry
	}
	src.Usage = c.cfg.Usage
	return src
}

// coverage shows the map and the district table. The counts come from the
// registry's coverage computation; the console only draws them.
func (c *Console) coverage(w http.ResponseWriter, r *http.Request, v *view) string {
	ctx := r.Context()
	scope := v.User.Scope()
	d := coverageData{Districts: hotspots.Districts(), TelemetryOff: c.cfg.Telemetry == nil, Below: map[string]bool{}}
	var zoom *hotspots.District
	if name := r.URL.Query().Get("district"); name != "" {
		dist, ok := hotspots.LookupDistrict(name)
		if !ok {
			return c.fail(v, errNotFound)
		}
		zoom, d.District = &dist, dist.EN
	}
	cov, err := c.reg.Coverage(ctx, scope, c.cfg.CoverageTarget, c.coverageSources())
	if err != nil {
		return c.fail(v, err)
	}
	d.Cov = cov
	var below []string
	for _, name := range cov.BelowTarget {
		d.Below[name] = true
		below = append(below, v.District(name))
	}
	if len(below) > 0 {
		d.BelowText = v.T("below_target", cov.Target, strings.Join(below, ", "))
	} else {
		d.BelowText = v.T("below_none", cov.Target)
	}
	pts, err := c.mapPoints(ctx, scope)
	if err != nil {
		return c.fail(v, err)
	}
	for i := range pts {
		switch pts[i].Status {
		case stOnline:
			d.Online++
		case stOffline:
			d.Offline++
		default:
			d.NoAgent++
		}
	}
	m, ok := lookupMeasure(r.URL.Query().Get("measure"))
	if !ok {
		return c.fail(v, errNotFound)
	}
	labels := c.districtFills(v, &d, m)
	vb := hkMap.whole()
	if zoom != nil {
		vb = hkMap.around(pts, zoom.EN, zoom.Lat, zoom.Lon)
	}
	keep := ""
	if m.Key != measures[0].Key {
		keep = "&measure=" + m.Key
	}
	d.Map = renderMap(mapSpec{Points: pts, Labels: labels, View: vb, Base: c.cfg.Base, Keep: keep, Lang: v.Lang, Tiles: c.tiles,
		Title: v.T("cov_map"), Desc: v.T("cov_map_desc", len(pts)),
		Status: [3]string{v.T("st_none"), v.T("st_online"), v.T("st_offline")}, Hotspots: v.T("cov_hotspots_n"), Hotspot1: v.T("cov_hotspots_1")})
	v.Title, v.Section, v.Data, v.Refresh = v.T("cov_title"), "coverage", d, true
	coverageSummary(v, &d)
	c.met.mapVenues.Set(float64(len(pts)))
	return "coverage"
}

// districtFills labels each district with its fill step and figure under
// measure m, and fills in the page's measure choice and fill legend.
func (c *Console) districtFills(v *view, d *coverageData, m measure) []mapLabel {
	d.Measure = m.Key
	for _, o := range measures {
		d.Measures = append(d.Measures, measureOption{Key: o.Key, Text: v.T(o.Msg), Selected: o.Key == m.Key})
	}
	rows := d.Cov.Districts
	known := len(rows) > 0 && m.Of(&rows[0]).Known
	scale := newShadeScale(rows, m)
	if known {
		d.FillNote = v.T("cov_fill", v.T(m.Msg))
		d.Shades = append(d.Shades, shadeKey{0, "0"})
		for i, r := range scale.ranges() {
			d.Shades = append(d.Shades, shadeKey{i + 1, r})
		}
	} else {
		d.FillNote = v.T("cov_fill_unknown", v.T(m.Msg))
	}
	byName := map[string]*hotspots.CoverageRow{}
	for i := range rows {
		byName[rows[i].Name] = &rows[i]
	}
	labels := make([]mapLabel, len(d.Districts))
	for i, dist := range d.Districts {
		l := mapLabel{EN: dist.EN, Text: v.District(dist.EN), Lat: dist.Lat, Lon: dist.Lon}
		if row := byName[dist.EN]; row != nil {
			n := m.Of(row)
			if known {
				l.Shade = scale.shade(n.N)
			}
			l.Figure = v.T("cov_district_fig", l.Text, v.T(m.Msg), v.Count(n))
		}
		labels[i] = l
	}
	return labels
}

// mapPoints returns the venues in scope with the status of their APs.
// Venue positions are cached per scope until the registry's data version
// changes: copying 5,430 venues out of the registry was most of the
// page's time.
func (c *Console) mapPoints(ctx context.Context, scope string) ([]mapPoint, error) {
	base, err := c.venuePoints(scope)
	if err != nil {
		return nil, err
	}
	status, err := c.venueStatus(ctx, scope)
	if err != nil {
		return nil, err
	}
	pts := make([]mapPoint, len(base))
	copy(pts, base)
	for i := range pts {
		pts[i].Status = status[pts[i].Key]
	}
	return pts, nil
}

// pointCache keeps the venues' positions per scope for one data version.
type pointCache struct {
	mu      sync.Mutex
	version uint64
	byScope map[string][]mapPoint
}

func (c *Console) venuePoints(scope string) ([]mapPoint, error) {
	ver := c.reg.DataVersion()
	pc := &c.points
	pc.mu.Lock()
	if pc.version != ver || pc.byScope == nil {
		pc.version, pc.byScope = ver, map[string][]mapPoint{}
	}
	pts, ok := pc.byScope[scope]
	pc.mu.Unlock()
	if ok {
		return pts, nil
	}
	venues, _, err := c.reg.ListVenues(hotspots.VenueFilter{Org: scope}, 0, 0)
	if err != nil {
		return nil, err
	}
	pts = make([]mapPoint, len(venues))
	for i := range venues {
		v := &venues[i]
		pts[i] = mapPoint{Key: v.Key(), NameEN: v.NameEN, NameTC: v.NameTC, NameSC: v.NameSC,
			Lat: v.Latitude, Lon: v.Longitude, District: v.District, Hotspots: v.Hotspots}
	}
	pc.mu.Lock()
	if pc.version == ver && len(pc.byScope) < 1000 { // bounded by the number of organisations
		pc.byScope[scope] = pts
	}
	pc.mu.Unlock()
	return pts, nil
}

// apState is what the agents last said about one AP.
type apState struct {
	Known  bool // the AP has reported at least once
	Online bool
	telemetry.Status
}

// apStates reads the state of each AP: online ones from the live set,
// the rest from their stored status.
func (c *Console) apStates(ctx context.Context, aps []hotspots.AP) (map[string]apState, error) {
	out := make(map[string]apState, len(aps))
	if c.cfg.Telemetry == nil {
		return out, nil
	}
	online, err := c.cfg.Telemetry.OnlineAPs(ctx)
	if err != nil {
		return nil, err
	}
	on := make(map[string]bool, len(online))
	for _, id := range online {
		on[id] = true
	}
	for _, ap := range aps {
		if on[ap.ID] {
			out[ap.ID] = apState{Known: true, Online: true}
			continue
		}
		st, err := c.cfg.Telemetry.APStatus(ap.ID)
		if err != nil {
			return nil, err
		}
		out[ap.ID] = apState{Known: !st.LastReport.IsZero(), Status: st}
	}
	return out, nil
}

// venueStatus is each venue's dot: offline when any of its reporting APs
// is offline, online when they all are online, no agent otherwise.
func (c *Console) venueStatus(ctx context.Context, scope string) (map[hotspots.VenueKey]apStatus, error) {
	out := map[hotspots.VenueKey]apStatus{}
	if c.cfg.Telemetry == nil {
		return out, nil
	}
	aps, _, err := c.reg.ListAPs(hotspots.APFilter{Org: scope}, 0, 0)
	if err != nil {
		return nil, err
	}
	states, err := c.apStates(ctx, aps)
	if err != nil {
		return nil, err
	}
	for _, ap := range aps {
		s := states[ap.ID]
		switch {
		case !s.Known:
		case !s.Online:
			out[ap.Hotspot] = stOffline
		case out[ap.Hotspot] != stOffline:
			out[ap.Hotspot] = stOnline
		}
	}
	return out, nil
}
