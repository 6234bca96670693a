package hotspots_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/internal/input"
)

func addVenue(t testing.TB, r *hotspots.Registry, org, id string, lat, lon float64, typ, plan string) {
	t.Helper()
	if _, err := r.Org(org); errors.Is(err, hotspots.ErrNotFound) {
		if _, err := r.AddOrg(hotspots.Org{Code: org}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := r.AddVenue(hotspots.Venue{Org: org, LocationID: id, NameEN: id, TypeEN: typ,
		Latitude: lat, Longitude: lon, Hotspots: 3, Plan: plan}); err != nil {
		t.Fatal(err)
	}
}

func TestPlanForNASIsTheVenuePlan(t *testing.T) {
	r := newRegistry(t)
	def := hotspots.DefaultPlan()
	r.AddOrg(hotspots.Org{Code: "school"})
	school := hotspots.Plan{Name: "elearning", Kind: hotspots.PlanMembers, Org: "school", BandwidthDownKbps: 50000}
	if _, err := r.AddPlan(school); err != nil {
		t.Fatal(err)
	}
	addVenue(t, r, "school", "S1", 22.33, 114.15, "Schools", "elearning")
	addVenue(t, r, "school", "S2", 22.33, 114.16, "Schools", "")
	for i, tc := range []struct {
		nas     string
		hotspot hotspots.VenueKey
		want    string
	}{
		{"gw-s1", "school/S1", "elearning"},
		{"gw-s2", "school/S2", def.Name},
		{"gw-none", "", def.Name},
	} {
		n, err := r.AddNAS(hotspots.NASInput{Name: tc.nas, IP: fmt.Sprintf("10.0.0.%d", i+1), Secret: "secret123", Hotspot: tc.hotspot})
		if err != nil {
			t.Fatal(err)
		}
		if got := r.PlanForNAS(n, def); got.Name != tc.want {
			t.Errorf("%s at %q: plan %q, want %q", tc.nas, tc.hotspot, got.Name, tc.want)
		}
	}
	// A plan of another organisation cannot be given to a venue.
	r.AddOrg(hotspots.Org{Code: "mall"})
	r.AddPlan(hotspots.Plan{Name: "mall-only", Kind: hotspots.PlanFree, Org: "mall"})
	v, _ := r.Venue("school/S2")
	v.Plan = "mall-only"
	var fe *input.FieldError
	if _, err := r.UpdateVenue(v); !errors.As(err, &fe) || fe.Field != "plan" {
		t.Errorf("foreign plan: %v", err)
	}
	if err := r.DeletePlan("elearning"); !errors.Is(err, hotspots.ErrInUse) {
		t.Errorf("deleting a plan in use: %v", err)
	}
}

// PlanForNAS remembers its answers; a change to the plan or to the venue
// must show at once.
func TestPlanForNASSeesChangesAtOnce(t *testing.T) {
	r := newRegistry(t)
	def := hotspots.DefaultPlan()
	r.AddOrg(hotspots.Org{Code: "lib"})
	r.AddPlan(hotspots.Plan{Name: "reading", Kind: hotspots.PlanFree, SessionTimeout: 3600})
	addVenue(t, r, "lib", "L1", 22.33, 114.15, "Public Libraries", "reading")
	n, err := r.AddNAS(hotspots.NASInput{Name: "gw", IP: "10.0.9.1", Secret: "secret123", Hotspot: "lib/L1"})
	if err != nil {
		t.Fatal(err)
	}
	if got := r.PlanForNAS(n, def).SessionTimeout; got != 3600 {
		t.Fatalf("Session-Timeout %d, want 3600", got)
	}
	if _, err := r.UpdatePlan(hotspots.Plan{Name: "reading", Kind: hotspots.PlanFree, SessionTimeout: 7200}); err != nil {
		t.Fatal(err)
	}
	if got := r.PlanForNAS(n, def).SessionTimeout; got != 7200 {
		t.Errorf("after the plan changed: %d, want 7200", got)
	}
	v, _ := r.Venue("lib/L1")
	v.Plan = ""
	if _, err := r.UpdateVenue(v); err != nil {
		t.Fatal(err)
	}
	if got := r.PlanForNAS(n, def).Name; got != def.Name {
		t.Errorf("after the venue dropped its plan: %q, want the default", got)
	}
}

func TestDistricts(t *testing.T) {
	for _, tc := range []struct {
		lat, lon float64
		want     string
	}{
		{22.2819, 114.1581, "Central & Western"}, // IFC
		{22.2988, 114.1722, "Yau Tsim Mong"},     // Tsim Sha Tsui
		{22.3964, 113.9770, "Tuen Mun"},
		{22.3080, 113.9185, "Islands"}, // the airport
		{22.3818, 114.1880, "Sha Tin"},
	} {
		if d := hotspots.DistrictAt(tc.lat, tc.lon); d.EN != tc.want {
			t.Errorf("(%v,%v): %s, want %s", tc.lat, tc.lon, d.EN, tc.want)
		}
	}
	for _, name := range []string{"central and western", "Central & Western District", "中西區", "中西"} {
		if d, ok := hotspots.LookupDistrict(name); !ok || d.EN != "Central & Western" {
			t.Errorf("LookupDistrict(%q) = %v %v", name, d.EN, ok)
		}
	}
	if got := hotspots.Haversine(22.2819, 114.1581, 22.2988, 114.1722); math.Abs(got-2361) > 20 {
		t.Errorf("IFC to TST: %.0f m", got)
	}
}

// bruteNearest is the reference: every venue, sorted by distance.
func bruteNearest(all []hotspots.Venue, lat, lon float64, n int) []hotspots.VenueKey {
	type d struct {
		key hotspots.VenueKey
		m   float64
	}
	ds := make([]d, len(all))
	for i, v := range all {
		ds[i] = d{v.Key(), hotspots.Haversine(lat, lon, v.Latitude, v.Longitude)}
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i].m < ds[j].m })
	out := make([]hotspots.VenueKey, n)
	for i := range out {
		out[i] = ds[i].key
	}
	return out
}

func TestNearestMatchesBruteForceOnRealData(t *testing.T) {
	r := newRegistry(t)
	mustImport(t, r, realCSV(t))
	all, _, _ := r.ListVenues(hotspots.VenueFilter{}, 0, 0)
	rng := rand.New(rand.NewPCG(1, 2))
	for q := 0; q < 300; q++ {
		lat, lon := 22.15+rng.Float64()*0.42, 113.83+rng.Float64()*0.55
		if q%3 == 0 { // right at a venue, where ties are likeliest
			v := all[rng.IntN(len(all))]
			lat, lon = v.Latitude, v.Longitude
		}
		n := 1 + rng.IntN(20)
		got, err := r.Nearest(lat, lon, n, hotspots.VenueFilter{})
		if err != nil {
			t.Fatal(err)
		}
		want := bruteNearest(all, lat, lon, n)
		for i := range want {
			wv, _ := r.Venue(want[i])
			wm := hotspots.Haversine(lat, lon, wv.Latitude, wv.Longitude)
			// Equal distances may come in either order; compare distances.
			if math.Abs(got[i].Metres-wm) > 0.1 {
				t.Fatalf("query (%v,%v) n=%d rank %d: got %s at %.1f m, want %s at %.1f m",
					lat, lon, n, i, got[i].Key(), got[i].Metres, want[i], wm)
			}
		}
	}
	// With a filter, every answer matches it and is as near as brute force.
	got, _ := r.Nearest(22.3, 114.17, 5, hotspots.VenueFilter{Type: "Telephone Booths"})
	var booths []hotspots.Venue
	for _, v := range all {
		if v.TypeEN == "Telephone Booths" {
			booths = append(booths, v)
		}
	}
	want := bruteNearest(booths, 22.3, 114.17, 5)
	for i := range want {
		if got[i].TypeEN != "Telephone Booths" || got[i].Key() != want[i] {
			t.Fatalf("filtered rank %d: got %s (%s), want %s", i, got[i].Key(), got[i].TypeEN, want[i])
		}
	}
}

type fakeAPs []string

func (f fakeAPs) OnlineAPs(context.Context) ([]string, error) { return f, nil }

type fakeUsage map[string]hotspots.NASUsage

func (f fakeUsage) UsageByNAS(context.Context, time.Time) (map[string]hotspots.NASUsage, error) {
	return f, nil
}

func TestCoverage(t *testing.T) {
	r := newRegistry(t)
	addVenue(t, r, "lib", "L1", 22.2797, 114.1894, "Library", "") // Wan Chai
	addVenue(t, r, "lib", "L2", 22.3817, 114.1880, "Library", "") // Sha Tin
	addVenue(t, r, "mall", "M1", 22.2790, 114.1830, "Mall", "")   // Wan Chai
	r.AddNAS(hotspots.NASInput{Name: "gw1", IP: "10.0.0.1", Secret: "secret123", Hotspot: "lib/L1"})
	ap1, _, _ := r.AddAP("lib/L1", "a", "02:00:00:00:00:01")
	r.AddAP("lib/L1", "b", "02:00:00:00:00:02")
	r.AddAP("mall/M1", "c", "02:00:00:00:00:03")

	cov, err := r.Coverage(context.Background(), "", 2, hotspots.CoverageSources{})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(cov.Total)
	if cov.Total.Venues != 3 || cov.Total.APs != 3 || cov.Total.NAS != 1 || cov.Total.Hotspots != 9 ||
		string(mustField(t, raw, "aps_online")) != `"unknown"` || string(mustField(t, raw, "bytes_today")) != `"unknown"` {
		t.Fatalf("total without sources: %s", raw)
	}
	wanChai := row(cov.Districts, "Wan Chai")
	if wanChai.Venues != 2 || wanChai.APs != 3 || len(cov.Districts) != 18 {
		t.Errorf("Wan Chai: %+v", wanChai)
	}
	if len(cov.BelowTarget) != 17 { // every district but Wan Chai has < 2
		t.Errorf("below target: %v", cov.BelowTarget)
	}
	cov, _ = r.Coverage(context.Background(), "", 2, hotspots.CoverageSources{
		APStatus: fakeAPs{ap1.ID, "ap-unknown"},
		Usage:    fakeUsage{"gw1": {OpenSessions: 4, DevicesToday: 7, BytesToday: 1 << 20}},
	})
	lib := row(cov.VenueTypes, "Library")
	if lib.APsOnline != (hotspots.Count{N: 1, Known: true}) || lib.OpenSessions.N != 4 || lib.DevicesToday.N != 7 || lib.BytesToday.N != 1<<20 {
		t.Errorf("library with sources: %+v", lib)
	}
	if m := row(cov.VenueTypes, "Mall"); m.APsOnline != (hotspots.Count{N: 0, Known: true}) {
		t.Errorf("mall: %+v", m)
	}
	scoped, _ := r.Coverage(context.Background(), "mall", 2, hotspots.CoverageSources{})
	if scoped.Total.Venues != 1 || scoped.Total.APs != 1 {
		t.Errorf("mall only: %+v", scoped.Total)
	}
}

func row(rows []hotspots.CoverageRow, name string) hotspots.CoverageRow {
	for _, r := range rows {
		if r.Name == name {
			return r
		}
	}
	return hotspots.CoverageRow{}
}

func mustField(t *testing.T, raw []byte, name string) json.RawMessage {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m[name]
}

func TestLookupNASByIdentifierNameOrID(t *testing.T) {
	r := newRegistry(t)
	a, _ := r.AddNAS(hotspots.NASInput{Name: "gw-a", IP: "10.0.8.1", Secret: "secret123", Identifier: "chilli-a"})
	b, _ := r.AddNAS(hotspots.NASInput{Name: "gw-b", IP: "10.0.8.2", Secret: "secret123"})
	for key, want := range map[string]string{"chilli-a": a.ID, "gw-a": a.ID, "gw-b": b.ID} {
		if n, ok := r.LookupNAS(key); !ok || n.ID != want {
			t.Errorf("LookupNAS(%q) = %q %v, want %q", key, n.ID, ok, want)
		}
	}
	if _, ok := r.LookupNAS("nope"); ok {
		t.Error("an unknown key must not match")
	}
}

func TestVenueNameInEachLanguage(t *testing.T) {
	r := newRegistry(t)
	r.AddOrg(hotspots.Org{Code: "lib"})
	_, err := r.AddVenue(hotspots.Venue{Org: "lib", LocationID: "L1", NameEN: "Central Library", NameTC: "中央圖書館",
		TypeEN: "Public Libraries", AddressEN: "66 Causeway Road", Latitude: 22.28, Longitude: 114.19, SSID: "WiFi@HK", Hotspots: 1})
	if err != nil {
		t.Fatal(err)
	}
	for lang, want := range map[string]string{"en": "Central Library", "zh-Hant": "中央圖書館", "zh-Hans": "中央圖書館"} {
		if got := r.VenueName("lib/L1", lang); got != want {
			t.Errorf("%s: %q, want %q", lang, got, want)
		}
	}
	if got := r.VenueName("lib/none", "en"); got != "lib/none" {
		t.Errorf("unknown venue: %q", got)
	}
}

func TestPlanValidateNamesTheField(t *testing.T) {
	ok := hotspots.DefaultPlan()
	if err := ok.Validate(); err != nil {
		t.Fatalf("default plan: %v", err)
	}
	for field, mutate := range map[string]func(*hotspots.Plan){
		"kind":               func(p *hotspots.Plan) { p.Kind = "gratis" },
		"session_timeout_s":  func(p *hotspots.Plan) { p.SessionTimeout = 0 },
		"sessions_per_day":   func(p *hotspots.Plan) { p.SessionsPerDay = 256 }, // a free pass holds it in a byte
		"interim_interval_s": func(p *hotspots.Plan) { p.InterimInterval = 30 },
	} {
		p := hotspots.DefaultPlan()
		mutate(&p)
		if err := p.Validate(); err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("%s: %v", field, err)
		}
	}
}

// TestCoverageBytesSaturate: a day's bytes summed over NAS, venues,
// districts and the total stop at the largest int64 rather than wrap
// negative (Gigawords let one session report 2^64-1 bytes each way).
func TestCoverageBytesSaturate(t *testing.T) {
	r := newRegistry(t)
	addVenue(t, r, "lib", "L1", 22.2797, 114.1894, "Library", "") // Wan Chai
	addVenue(t, r, "lib", "L2", 22.2790, 114.1830, "Library", "") // Wan Chai
	r.AddNAS(hotspots.NASInput{Name: "gw1", IP: "10.0.0.1", Secret: "secret123", Hotspot: "lib/L1"})
	r.AddNAS(hotspots.NASInput{Name: "gw2", IP: "10.0.0.2", Secret: "secret123", Hotspot: "lib/L1"})
	r.AddNAS(hotspots.NASInput{Name: "gw3", IP: "10.0.0.3", Secret: "secret123", Hotspot: "lib/L2"})
	nas, err := r.ListNAS()
	if err != nil || len(nas) != 3 {
		t.Fatalf("%d NAS, %v", len(nas), err)
	}
	usage := fakeUsage{}
	for _, n := range nas {
		usage[n.ID] = hotspots.NASUsage{BytesToday: math.MaxInt64 - 1}
	}
	cov, err := r.Coverage(context.Background(), "", 2, hotspots.CoverageSources{Usage: usage})
	if err != nil {
		t.Fatal(err)
	}
	for name, n := range map[string]int64{"total": cov.Total.BytesToday.N, "Wan Chai": row(cov.Districts, "Wan Chai").BytesToday.N,
		"Library": row(cov.VenueTypes, "Library").BytesToday.N} {
		if n != math.MaxInt64 {
			t.Errorf("%s: %d bytes today, want %d (saturated)", name, n, int64(math.MaxInt64))
		}
	}

	var u hotspots.NASUsage
	u.AddBytes(5)
	u.AddBytes(math.MaxInt64)
	u.AddBytes(1)
	if u.BytesToday != math.MaxInt64 {
		t.Errorf("AddBytes: %d", u.BytesToday)
	}
}

// A district's label point, where the map writes its name, is inside it.
func TestDistrictLabelsInside(t *testing.T) {
	for _, d := range hotspots.Districts() {
		if got := hotspots.DistrictAt(d.Lat, d.Lon); got.EN != d.EN {
			t.Errorf("%s's label point is in %s", d.EN, got.EN)
		}
	}
}
