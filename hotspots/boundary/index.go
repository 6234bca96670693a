package boundary

import (
	"math"
	"math/bits"
)

// bandIndex cuts the map into horizontal bands and keeps, per band, the
// edges that cross it. A point's band holds every edge a horizontal ray
// from it can cross, a few hundred of the map's thousands, and the nearest
// edge is found by widening the search band by band.
type bandIndex struct {
	minLat, height float64
	kx             float64 // degrees of longitude to degrees of latitude, at the map's middle
	bands          [][]edge
}

// edge is one side of a ring, in degrees, and the area it bounds.
type edge struct {
	x1, y1, x2, y2 float64
	area           int
}

// bandHeight is about 220 m: small enough that a band holds few edges,
// large enough that an edge spans few bands.
const bandHeight = 0.002

func buildIndex(m *Map) bandIndex {
	ix := bandIndex{minLat: m.Min.Lat, height: bandHeight, kx: math.Cos((m.Min.Lat + m.Max.Lat) / 2 * math.Pi / 180)}
	ix.bands = make([][]edge, int((m.Max.Lat-m.Min.Lat)/bandHeight)+1)
	for ai, a := range m.Areas {
		for _, p := range a.Polygons {
			for _, r := range p {
				for i := 0; i+1 < len(r); i++ {
					e := edge{r[i].Lon, r[i].Lat, r[i+1].Lon, r[i+1].Lat, ai}
					lo, hi := ix.band(min(e.y1, e.y2)), ix.band(max(e.y1, e.y2))
					for b := lo; b <= hi; b++ {
						ix.bands[b] = append(ix.bands[b], e)
					}
				}
			}
		}
	}
	return ix
}

// band is the band of latitude y, clamped to the map.
func (ix *bandIndex) band(y float64) int {
	b := int(math.Floor((y - ix.minLat) / ix.height))
	return min(max(b, 0), len(ix.bands)-1)
}

// contains casts a ray east from (x, y) and counts, per area, the edges
// it crosses: an odd count is inside (holes included). Where simplified
// borders overlap, the first area wins.
func (ix *bandIndex) contains(x, y float64) (int, bool) {
	if len(ix.bands) == 0 || y < ix.minLat || y >= ix.minLat+float64(len(ix.bands))*ix.height {
		return 0, false
	}
	var odd uint64
	for _, e := range ix.bands[ix.band(y)] {
		if (e.y1 > y) != (e.y2 > y) && x < e.x1+(y-e.y1)*(e.x2-e.x1)/(e.y2-e.y1) {
			odd ^= 1 << e.area
		}
	}
	if odd == 0 {
		return 0, false
	}
	return bits.TrailingZeros64(odd), true
}

// nearest is the area with the edge nearest (x, y), searching outward from
// the point's band until no unsearched band can hold a nearer edge.
func (ix *bandIndex) nearest(x, y float64) int {
	best, bestD := 0, math.Inf(1) // squared distance, in degrees of latitude
	b := ix.band(y)
	for k := 0; b-k >= 0 || b+k < len(ix.bands); k++ {
		gap := math.Inf(1) // from y to the nearer of the two bands searched now
		for _, j := range [2]int{b - k, b + k} {
			if j < 0 || j >= len(ix.bands) || (k == 0 && j != b) {
				continue
			}
			lo := ix.minLat + float64(j)*ix.height
			gap = min(gap, max(0, lo-y, y-(lo+ix.height)))
			for _, e := range ix.bands[j] {
				if d := ix.dist2(e, x, y); d < bestD {
					best, bestD = e.area, d
				}
			}
		}
		if gap*gap > bestD {
			break
		}
	}
	return best
}

// dist2 is the squared distance from (x, y) to edge e, with longitude
// scaled to the same length as latitude.
func (ix *bandIndex) dist2(e edge, x, y float64) float64 {
	ax, ay := (e.x1-x)*ix.kx, e.y1-y
	bx, by := (e.x2-x)*ix.kx, e.y2-y
	dx, dy := bx-ax, by-ay
	t := 0.0
	if l := dx*dx + dy*dy; l > 0 {
		t = min(1, max(0, -(ax*dx+ay*dy)/l))
	}
	px, py := ax+t*dx, ay+t*dy
	return px*px + py*py
}
