package controller

import (
	"errors"

	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/internal/store"
)

// DemoNASVenue is the demo venue the demo NAS (127.0.0.1) belongs to. It
// keeps the configured default plan, so the demo NAS answers as before.
const DemoNASVenue = "demo/CWB-LIB"

// demoVenues seeds an organisation, a plan and a few venues in several
// districts. Seeding twice changes nothing.
func (a *App) demoVenues() error {
	if _, err := a.Registry.AddOrg(hotspots.Org{Code: "demo", NameEN: "WiFi@HK demo venues",
		NameTC: "WiFi@HK 示範場地", SupportHotline: "1823", SupportEmail: "wifi@example.hk"}); err != nil && !errors.Is(err, hotspots.ErrExists) {
		return err
	}
	if _, err := a.Registry.AddPlan(hotspots.Plan{Name: "demo-library", Kind: hotspots.PlanFree, Org: "demo",
		IdleTimeout: 900, InterimInterval: 300, BandwidthDownKbps: 20000, BandwidthUpKbps: 5000}); err != nil && !errors.Is(err, hotspots.ErrExists) {
		return err
	}
	for _, v := range []hotspots.Venue{
		{LocationID: "CWB-LIB", NameEN: "Causeway Bay Demo Library", NameTC: "銅鑼灣示範圖書館", TypeEN: "Public Libraries",
			AddressEN: "66 Causeway Road, Causeway Bay", Latitude: 22.2797, Longitude: 114.1894, Hotspots: 12},
		{LocationID: "STN-PARK", NameEN: "Sha Tin Demo Park", NameTC: "沙田示範公園", TypeEN: "Parks",
			AddressEN: "1 Yuen Wo Road, Sha Tin", Latitude: 22.3817, Longitude: 114.1880, Hotspots: 6},
		{LocationID: "TST-PIER", NameEN: "Tsim Sha Tsui Demo Pier", NameTC: "尖沙咀示範碼頭", TypeEN: "Transportation/Boundary & Related Facilities",
			AddressEN: "Star Ferry Pier, Tsim Sha Tsui", Latitude: 22.2937, Longitude: 114.1685, Hotspots: 4},
		{LocationID: "TM-LIB", NameEN: "Tuen Mun Demo Library", NameTC: "屯門示範圖書館", TypeEN: "Public Libraries",
			AddressEN: "1 Tuen Hi Road, Tuen Mun", Latitude: 22.3917, Longitude: 113.9735, Hotspots: 8, Plan: "demo-library"},
		{LocationID: "TP-MKT", NameEN: "Tai Po Demo Market", NameTC: "大埔示範街市", TypeEN: "Markets",
			AddressEN: "8 Heung Sze Wui Street, Tai Po", Latitude: 22.4508, Longitude: 114.1644, Hotspots: 3},
		{LocationID: "MW-FERRY", NameEN: "Mui Wo Demo Ferry Pier", NameTC: "梅窩示範碼頭", TypeEN: "Transportation/Boundary & Related Facilities",
			AddressEN: "Mui Wo Ferry Pier Road, Lantau", Latitude: 22.2647, Longitude: 114.0009, Hotspots: 2},
	} {
		v.Org, v.SSID = "demo", "WiFi@HK"
		if _, err := a.Registry.AddVenue(v); err != nil && !errors.Is(err, hotspots.ErrExists) {
			return err
		}
	}
	return a.attachDemoNAS()
}

// attachDemoNAS puts a demo NAS seeded before venues existed at its venue.
func (a *App) attachDemoNAS() error {
	n, err := a.Registry.NASByID("demo-localhost")
	if errors.Is(err, store.ErrNotFound) || (err == nil && n.Hotspot != "") {
		return nil // not seeded yet (demoNAS gives it the venue) or already placed
	}
	if err != nil {
		return err
	}
	_, err = a.Registry.SetNASHotspot(n.ID, DemoNASVenue)
	return err
}
