// Package realvenues embeds a real export of the Wi-Fi.HK hotspot-locations
// open data (5,430 venues, 43,433 hotspots; see README.md for its source),
// for tests and demos that want the city's real venues without files beside
// the repository.
package realvenues

import _ "embed"

//go:embed wifi-hk-locations.csv
var export []byte

// Venues and Hotspots are the export's row count and its total of
// NumberOfHotspots.
const (
	Venues   = 5430
	Hotspots = 43433
)

// CSV returns the export as published (UTF-8 with a byte-order mark), a
// copy the caller may keep or change.
func CSV() []byte { return append([]byte(nil), export...) }
