// Package hotspots is the registry of the WiFi@HK network: organisations,
// venues, access plans, NAS gateways and access points, with the coverage and
// open-data views built on them.
package hotspots
