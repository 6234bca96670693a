package hotspots

import (
	"context"
	"io"
	"log/slog"
	"math"
	"strings"
)

// SetLogger sets where the registry logs what it cannot return (it is
// quiet by default).
func (r *Registry) SetLogger(l *slog.Logger) { r.logger.Store(l) }

func (r *Registry) log() *slog.Logger {
	if l := r.logger.Load(); l != nil {
		return l
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// VenueFilter selects venues. Empty fields match everything.
type VenueFilter struct {
	Org      string // organisation code
	District string // district name (any of the forms LookupDistrict takes)
	Type     string // venue type, English, case-insensitive
	Text     string // words that must all appear in the names, address or IDs
}

func (f VenueFilter) compile() (func(*Venue) bool, error) {
	district := ""
	if f.District != "" {
		d, ok := LookupDistrict(f.District)
		if !ok {
			return nil, fieldErr("district", "%q is not one of the 18 districts", f.District)
		}
		district = d.EN
	}
	words := strings.Fields(strings.ToLower(f.Text))
	return func(v *Venue) bool {
		switch {
		case f.Org != "" && v.Org != f.Org:
			return false
		case district != "" && v.District != district:
			return false
		case f.Type != "" && !strings.EqualFold(v.TypeEN, f.Type):
			return false
		}
		if len(words) == 0 {
			return true
		}
		hay := strings.ToLower(strings.Join([]string{v.Org, v.LocationID, v.NameEN, v.NameTC, v.NameSC,
			v.AddressEN, v.AddressTC, v.AddressSC}, "\x00"))
		for _, w := range words {
			if !strings.Contains(hay, w) {
				return false
			}
		}
		return true
	}, nil
}

// ListVenues returns the venues that match f, by key, skipping offset and
// returning at most limit (limit <= 0: all), with the number that match.
func (r *Registry) ListVenues(f VenueFilter, offset, limit int) ([]Venue, int, error) {
	match, err := f.compile()
	if err != nil {
		return nil, 0, err
	}
	snap, err := r.venues()
	if err != nil {
		return nil, 0, err
	}
	var out []Venue
	total := 0
	for i := range snap.list {
		v := &snap.list[i]
		if !match(v) {
			continue
		}
		if total >= offset && (limit <= 0 || len(out) < limit) {
			out = append(out, *v)
		}
		total++
	}
	return out, total, nil
}

// NearVenue is a venue with its distance from a point.
type NearVenue struct {
	Venue
	Metres float64 `json:"distance_m"`
}

// MaxNearest caps how many venues Nearest returns.
const MaxNearest = 100

// Nearest returns the n venues nearest (lat, lon) that match f, nearest
// first, with haversine distances.
func (r *Registry) Nearest(lat, lon float64, n int, f VenueFilter) ([]NearVenue, error) {
	switch {
	case !(lat >= -90 && lat <= 90):
		return nil, fieldErr("lat", "%v is not a latitude", lat)
	case !(lon >= -180 && lon <= 180):
		return nil, fieldErr("lon", "%v is not a longitude", lon)
	case n < 1 || n > MaxNearest:
		return nil, fieldErr("n", "%d is not between 1 and %d", n, MaxNearest)
	}
	match, err := f.compile()
	if err != nil {
		return nil, err
	}
	snap, err := r.venues()
	if err != nil {
		return nil, err
	}
	var keep func(int32) bool
	if f != (VenueFilter{}) {
		keep = func(i int32) bool { return match(&snap.list[i]) }
	}
	hits := snap.tree.nearest(unitVector(lat, lon), n, keep)
	out := make([]NearVenue, len(hits))
	for i, h := range hits {
		v := snap.list[h.idx]
		out[i] = NearVenue{v, math.Round(Haversine(lat, lon, v.Latitude, v.Longitude)*10) / 10}
	}
	return out, nil
}

// VenueTypes returns the distinct English venue types with their counts.
func (r *Registry) VenueTypes(ctx context.Context) (map[string]int, error) {
	snap, err := r.venues()
	if err != nil {
		return nil, err
	}
	out := map[string]int{}
	for i := range snap.list {
		out[snap.list[i].TypeEN]++
	}
	return out, nil
}
