package console

import (
	"strconv"

	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/staff"
	"github.com/wifihk/wifihk/visitors"
)

// figure is one entry of a page's summary strip: a number and what it
// counts, marked when it needs someone's attention.
type figure struct {
	Value, Label string
	Warn         bool
}

// add puts a figure on the page's summary strip.
func (v *view) add(n int, key string, warn bool) {
	v.Summary = append(v.Summary, figure{Value: strconv.Itoa(n), Label: v.T(key), Warn: warn && n > 0})
}

// addCount puts a figure that may be unknown on the strip.
func (v *view) addCount(c hotspots.Count, key string) {
	v.Summary = append(v.Summary, figure{Value: v.Count(c), Label: v.T(key)})
}

func coverageSummary(v *view, d *coverageData) {
	t := d.Cov.Total
	v.add(t.Venues, "sum_venues", false)
	v.add(t.Hotspots, "sum_hotspots", false)
	v.addCount(t.APsOnline, "sum_aps_online")
	v.add(d.Offline, "sum_venues_offline", true)
	v.addCount(t.OpenSessions, "sum_sessions_open")
	v.add(len(d.Cov.BelowTarget), "sum_below", true)
}

func venuesSummary(v *view, found, aps int, status map[hotspots.VenueKey]apStatus) {
	online, offline := 0, 0
	for _, s := range status {
		switch s {
		case stOnline:
			online++
		case stOffline:
			offline++
		}
	}
	v.add(found, "sum_found", false)
	v.add(aps, "sum_aps", false)
	v.add(online, "sum_venues_online", false)
	v.add(offline, "sum_venues_offline", true)
}

func sessionsSummary(v *view, d *sessionsData) {
	venues, devices := map[hotspots.VenueKey]bool{}, map[string]bool{}
	for _, r := range d.Rows {
		venues[r.Venue], devices[r.MAC] = true, true
	}
	v.add(d.Total, "sum_sessions_open", false)
	v.add(len(devices), "sum_devices", false)
	v.add(len(venues), "sum_venues_busy", false)
	v.add(len(d.Stale), "sum_stale", true)
}

func historySummary(v *view, d *historyData) {
	open := 0
	var bytes uint64
	for _, r := range d.Rows {
		if r.Open {
			open++
		}
		bytes += r.InputOctets + r.OutputOctets
	}
	shown := strconv.Itoa(d.Shown)
	if d.More {
		shown += "+"
	}
	v.Summary = append(v.Summary, figure{Value: shown, Label: v.T("sum_found")})
	v.add(open, "sum_still_open", false)
	v.Summary = append(v.Summary, figure{Value: humanBytes(bytes), Label: v.T("sum_bytes")})
}

func nasSummary(v *view, d *nasData) {
	busy, open, lax := 0, 0, 0
	for _, r := range d.Rows {
		if r.Open > 0 {
			busy++
		}
		open += r.Open
		if r.RequireMA == hotspots.MAOff {
			lax++
		}
	}
	v.add(len(d.Rows), "sum_gateways", false)
	if !d.SessionsOff {
		v.add(busy, "sum_gateways_busy", false)
		v.add(open, "sum_sessions_open", false)
	}
	v.add(lax, "sum_ma_lax", true)
	if !d.Drops.Off {
		dropping := 0
		for _, r := range d.Rows {
			if r.DroppedHour > 0 {
				dropping++
			}
		}
		v.add(dropping, "sum_nas_dropping", true)
	}
}

func staffSummary(v *view, rows []staff.Staff) {
	admins, off, api := 0, 0, 0
	for _, s := range rows {
		switch {
		case s.Disabled:
			off++
		case s.Role == staff.RoleAdmin:
			admins++
		}
		if !s.HasPassword() {
			api++
		}
	}
	v.add(len(rows), "sum_staff", false)
	v.add(admins, "sum_admins", false)
	v.add(off, "sum_disabled", false)
	v.add(api, "sum_api_only", false)
}

func vouchersSummary(v *view, batches []visitors.VoucherBatch) {
	var usable, used, revoked int
	for _, b := range batches {
		s := b.Summary()
		usable, used = usable+s.Usable, used+s.Used
		if !b.Revoked.IsZero() {
			revoked++
		}
	}
	v.add(len(batches), "sum_batches", false)
	v.add(usable, "sum_codes_usable", false)
	v.add(used, "sum_codes_used", false)
	v.add(revoked, "sum_revoked", false)
}

func alertsSummary(v *view, d *alertsData) {
	if !d.TelemetryOff {
		v.add(len(d.Offline), "sum_aps_offline", true)
		v.add(len(d.Recovered), "sum_aps_back", false)
	}
	if !d.SessionsOff {
		v.add(len(d.NAS), "sum_nas_silent", true)
	}
	if !d.DropsOff {
		v.add(len(d.Dropping), "sum_nas_dropped", true)
	}
}
