// Package boundary holds the boundaries of Hong Kong's 18 districts
// (embedded, see README.md for their source) and finds the district that
// holds a point: the polygon that contains it, else the polygon nearest to
// it by distance to its edge.
package boundary

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sync"
)

// Point is a position in WGS 84 degrees.
type Point struct{ Lon, Lat float64 }

// Ring is a closed line: its last point equals its first.
type Ring []Point

// Polygon is an outer ring followed by its holes.
type Polygon []Ring

// Area is one district: its codes, names and land.
type Area struct {
	Code     string // DC_CODE, "A".."T"
	EN, TC   string // DC_ENG, DC_CHIN
	Polygons []Polygon
}

// Map is a set of areas with an index for finding the one at a point.
type Map struct {
	Areas    []Area
	Min, Max Point // bounding box of every ring
	idx      bandIndex
}

// maxAreas is how many areas a map may have: Locate keeps one bit per area.
const maxAreas = 64

//go:embed hk-districts.geojson
var hkDistricts []byte

var (
	hkOnce sync.Once
	hkMap  *Map
)

// HongKong is the map of the 18 districts embedded in the program.
func HongKong() *Map {
	hkOnce.Do(func() {
		m, err := Parse(hkDistricts)
		if err != nil {
			panic("boundary: embedded hk-districts.geojson: " + err.Error()) // a build error; a test parses it
		}
		hkMap = m
	})
	return hkMap
}

// ErrInvalid is wrapped by every error Parse returns.
var ErrInvalid = errors.New("boundary: invalid GeoJSON")

type featureCollection struct {
	Type     string `json:"type"`
	Features []struct {
		Type       string         `json:"type"`
		Properties map[string]any `json:"properties"`
		Geometry   *geometry      `json:"geometry"`
	} `json:"features"`
}

type geometry struct {
	Type        string          `json:"type"`
	Coordinates json.RawMessage `json:"coordinates"`
}

// Parse reads a GeoJSON FeatureCollection of Polygon or MultiPolygon
// features with DC_CODE, DC_ENG and DC_CHIN properties.
func Parse(data []byte) (*Map, error) {
	var fc featureCollection
	if err := json.Unmarshal(data, &fc); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if fc.Type != "FeatureCollection" {
		return nil, fmt.Errorf("%w: type %q, want FeatureCollection", ErrInvalid, fc.Type)
	}
	switch n := len(fc.Features); {
	case n == 0:
		return nil, fmt.Errorf("%w: no features", ErrInvalid)
	case n > maxAreas:
		return nil, fmt.Errorf("%w: %d features, at most %d", ErrInvalid, n, maxAreas)
	}
	m := &Map{Min: Point{math.Inf(1), math.Inf(1)}, Max: Point{math.Inf(-1), math.Inf(-1)}}
	for i, f := range fc.Features {
		a, err := parseArea(f.Properties, f.Geometry)
		if err != nil {
			return nil, fmt.Errorf("%w: feature %d: %v", ErrInvalid, i+1, err)
		}
		m.Areas = append(m.Areas, a)
	}
	for _, a := range m.Areas {
		for _, p := range a.Polygons {
			for _, pt := range p[0] {
				m.Min = Point{min(m.Min.Lon, pt.Lon), min(m.Min.Lat, pt.Lat)}
				m.Max = Point{max(m.Max.Lon, pt.Lon), max(m.Max.Lat, pt.Lat)}
			}
		}
	}
	m.idx = buildIndex(m)
	return m, nil
}

func parseArea(props map[string]any, g *geometry) (Area, error) {
	var a Area
	for _, p := range []struct {
		key string
		to  *string
	}{{"DC_CODE", &a.Code}, {"DC_ENG", &a.EN}, {"DC_CHIN", &a.TC}} {
		s, ok := props[p.key].(string)
		if !ok || s == "" {
			return a, fmt.Errorf("property %s missing or not text", p.key)
		}
		*p.to = s
	}
	if g == nil {
		return a, fmt.Errorf("%s: no geometry", a.EN)
	}
	var err error
	switch g.Type {
	case "Polygon":
		var rings [][][]float64
		if err = json.Unmarshal(g.Coordinates, &rings); err == nil {
			var p Polygon
			p, err = polygon(rings)
			a.Polygons = []Polygon{p}
		}
	case "MultiPolygon":
		var polys [][][][]float64
		if err = json.Unmarshal(g.Coordinates, &polys); err == nil {
			for _, rings := range polys {
				p, perr := polygon(rings)
				if perr != nil {
					err = perr
					break
				}
				a.Polygons = append(a.Polygons, p)
			}
		}
	default:
		return a, fmt.Errorf("%s: geometry %q, want Polygon or MultiPolygon", a.EN, g.Type)
	}
	if err == nil && len(a.Polygons) == 0 {
		err = errors.New("no polygons")
	}
	if err != nil {
		return a, fmt.Errorf("%s: %v", a.EN, err)
	}
	return a, nil
}

// polygon checks GeoJSON rings: at least one, each closed, of at least four
// positions of finite longitude and latitude.
func polygon(rings [][][]float64) (Polygon, error) {
	if len(rings) == 0 {
		return nil, errors.New("a polygon with no rings")
	}
	p := make(Polygon, len(rings))
	for i, ring := range rings {
		if len(ring) < 4 {
			return nil, fmt.Errorf("a ring of %d positions, want at least 4", len(ring))
		}
		r := make(Ring, len(ring))
		for j, pos := range ring {
			if len(pos) < 2 || !(pos[0] >= -180 && pos[0] <= 180) || !(pos[1] >= -90 && pos[1] <= 90) {
				return nil, fmt.Errorf("position %v is not a longitude and latitude", pos)
			}
			r[j] = Point{pos[0], pos[1]}
		}
		if r[0] != r[len(r)-1] {
			return nil, errors.New("a ring that is not closed")
		}
		p[i] = r
	}
	return p, nil
}

// Locate returns the index in m.Areas of the area that holds (lat, lon)
// and inside true; for a point in no area (the sea, a pier, land
// reclaimed after the survey), the area whose edge is nearest, and inside
// false.
func (m *Map) Locate(lat, lon float64) (area int, inside bool) {
	if i, ok := m.idx.contains(lon, lat); ok {
		return i, true
	}
	return m.idx.nearest(lon, lat), false
}

// Find is the index of the area named en (DC_ENG), or -1.
func (m *Map) Find(en string) int {
	for i := range m.Areas {
		if m.Areas[i].EN == en {
			return i
		}
	}
	return -1
}
