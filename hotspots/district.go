package hotspots

import (
	"math"
	"slices"
	"strings"
	"sync"

	"github.com/wifihk/wifihk/hotspots/boundary"
)

// Areas, as the open data's AreaEN.
const (
	AreaHKIsland = "Hong Kong Island"
	AreaKowloon  = "Kowloon"
	AreaNT       = "New Territories"
)

// District is one of Hong Kong's 18 districts; Lat and Lon are where its
// name goes on a map, not where it begins or ends (DistrictAt says that).
type District struct {
	EN, TC   string
	Area     string
	AreaTC   string
	Lat, Lon float64
}

var districts = []District{
	{"Central & Western", "中西區", AreaHKIsland, "香港島", 22.2748, 114.1463},
	{"Wan Chai", "灣仔區", AreaHKIsland, "香港島", 22.2687, 114.1826},
	{"Eastern", "東區", AreaHKIsland, "香港島", 22.2720, 114.2214},
	{"Southern", "南區", AreaHKIsland, "香港島", 22.2398, 114.2007},
	{"Sham Shui Po", "深水埗區", AreaKowloon, "九龍", 22.3337, 114.1549},
	{"Kowloon City", "九龍城區", AreaKowloon, "九龍", 22.3233, 114.1881},
	{"Wong Tai Sin", "黃大仙區", AreaKowloon, "九龍", 22.3439, 114.2041},
	{"Kwun Tong", "觀塘區", AreaKowloon, "九龍", 22.3154, 114.2261},
	{"Yau Tsim Mong", "油尖旺區", AreaKowloon, "九龍", 22.3098, 114.1688},
	{"Kwai Tsing", "葵青區", AreaNT, "新界", 22.3504, 114.1172},
	{"Tsuen Wan", "荃灣區", AreaNT, "新界", 22.3749, 114.0908},
	{"Tuen Mun", "屯門區", AreaNT, "新界", 22.3953, 113.9785},
	{"Yuen Long", "元朗區", AreaNT, "新界", 22.4500, 114.0495},
	{"North", "北區", AreaNT, "新界", 22.5149, 114.1844},
	{"Tai Po", "大埔區", AreaNT, "新界", 22.4531, 114.2389},
	{"Sha Tin", "沙田區", AreaNT, "新界", 22.3867, 114.1998},
	{"Sai Kung", "西貢區", AreaNT, "新界", 22.3586, 114.3064},
	{"Islands", "離島區", AreaNT, "新界", 22.2515, 113.9648},
}

// Districts returns the 18 districts.
func Districts() []District { return append([]District(nil), districts...) }

// DistrictAt is the district whose boundary holds (lat, lon), else the
// district whose boundary is nearest (piers, beaches, land reclaimed since
// the boundaries were drawn). See hotspots/boundary.
func DistrictAt(lat, lon float64) District {
	i, _ := boundary.HongKong().Locate(lat, lon)
	return districts[boundaryDistrict()[i]]
}

// boundaryDistrict maps the boundary map's areas to districts, by name.
var boundaryDistrict = sync.OnceValue(func() []int {
	m := boundary.HongKong()
	out := make([]int, len(m.Areas))
	for i, a := range m.Areas {
		d, ok := LookupDistrict(a.EN)
		if !ok {
			panic("hotspots: boundary area " + a.EN + " is not a district") // a test holds the two lists together
		}
		out[i] = slices.IndexFunc(districts, func(x District) bool { return x.EN == d.EN })
	}
	return out
})

// LookupDistrict finds a district by its English or Chinese name, ignoring
// case, "&"/"and" and a trailing " District" or "區".
func LookupDistrict(name string) (District, bool) {
	key := districtKey(name)
	for _, d := range districts {
		if districtKey(d.EN) == key || districtKey(d.TC) == key {
			return d, true
		}
	}
	return District{}, false
}

func districtKey(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.TrimSuffix(s, " district")
	s = strings.TrimSuffix(s, "區")
	s = strings.ReplaceAll(s, " and ", " & ")
	return strings.Join(strings.Fields(s), " ")
}

// earthRadius is the mean Earth radius in metres (IUGG).
const earthRadius = 6371008.8

// Haversine is the great-circle distance in metres.
func Haversine(lat1, lon1, lat2, lon2 float64) float64 {
	const rad = math.Pi / 180
	dLat := (lat2 - lat1) * rad
	dLon := (lon2 - lon1) * rad
	a := math.Sin(dLat/2)*math.Sin(dLat/2) +
		math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * earthRadius * math.Asin(math.Sqrt(math.Min(1, a)))
}
