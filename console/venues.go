package console

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/internal/input"
	"github.com/wifihk/wifihk/telemetry"
	"github.com/wifihk/wifihk/usage"
)

const venuesPerPage = 50

type venueRow struct {
	hotspots.Venue
	APs    int
	Status apStatus
}

// StatusClass and StatusText show a row's AP status.
func (r venueRow) StatusClass() string { return r.Status.class() }

type venuesData struct {
	Rows                  []venueRow
	Total, Page, Pages    int
	Q, District, Type     string
	Org, Status           string
	Districts             []hotspots.District
	Types                 []string
	PrevURL, NextURL      string
	ShowOrgFilter, CanAdd bool
}

func statusKey(s apStatus) string {
	switch s {
	case stOnline:
		return "st_online"
	case stOffline:
		return "st_offline"
	}
	return "st_none"
}

// StatusText names a status in the page's language.
func (v *view) StatusText(class string) string {
	switch class {
	case "on":
		return v.T(statusKey(stOnline))
	case "off":
		return v.T(statusKey(stOffline))
	}
	return v.T(statusKey(stNone))
}

// APStatusText names one AP's status in the page's language.
func (v *view) APStatusText(class string) string {
	switch class {
	case "on":
		return v.T("ap_online")
	case "off":
		return v.T("ap_offline")
	}
	return v.T("st_none")
}

// venues lists and searches venues in the principal's scope.
func (c *Console) venues(w http.ResponseWriter, r *http.Request, v *view) string {
	q := r.URL.Query()
	scope := v.User.Scope()
	d := venuesData{Q: q.Get("q"), District: q.Get("district"), Type: q.Get("type"), Status: q.Get("status"), Org: scope,
		Districts: hotspots.Districts(), ShowOrgFilter: scope == "", CanAdd: v.User.CanWrite(v.User.Org) || v.User.IsAdmin()}
	if scope == "" {
		d.Org = strings.TrimSpace(q.Get("org"))
	}
	page, _ := strconv.Atoi(q.Get("page"))
	page = max(page, 1)
	types, err := c.reg.VenueTypes(r.Context())
	if err != nil {
		return c.fail(v, err)
	}
	for t := range types {
		if t != "" {
			d.Types = append(d.Types, t)
		}
	}
	sort.Strings(d.Types)
	status, err := c.venueStatus(r.Context(), scope)
	if err != nil {
		return c.fail(v, err)
	}
	f := hotspots.VenueFilter{Org: d.Org, District: d.District, Type: d.Type, Text: d.Q}
	offset, limit := (page-1)*venuesPerPage, venuesPerPage
	if d.Status != "" { // filter on status here, then page
		offset, limit = 0, 0
	}
	list, total, err := c.reg.ListVenues(f, offset, limit)
	var fe *input.FieldError
	if errors.As(err, &fe) {
		v.Status, v.Error = http.StatusUnprocessableEntity, fe.Error()
	} else if err != nil {
		return c.fail(v, err)
	}
	if d.Status != "" {
		kept := list[:0]
		for _, ven := range list {
			if status[ven.Key()].class() == d.Status {
				kept = append(kept, ven)
			}
		}
		total = len(kept)
		start := min((page-1)*venuesPerPage, total)
		list = kept[start:min(start+venuesPerPage, total)]
	}
	aps, _, err := c.reg.ListAPs(hotspots.APFilter{Org: scope}, 0, 0)
	if err != nil {
		return c.fail(v, err)
	}
	perVenue := map[hotspots.VenueKey]int{}
	for _, ap := range aps {
		perVenue[ap.Hotspot]++
	}
	for _, ven := range list {
		d.Rows = append(d.Rows, venueRow{Venue: ven, APs: perVenue[ven.Key()], Status: status[ven.Key()]})
	}
	d.Total, d.Page, d.Pages = total, page, max(1, (total+venuesPerPage-1)/venuesPerPage)
	pageURL := func(p int) string {
		u := url.Values{}
		for k, val := range map[string]string{"q": d.Q, "district": d.District, "type": d.Type, "status": d.Status, "org": q.Get("org")} {
			if val != "" {
				u.Set(k, val)
			}
		}
		u.Set("page", strconv.Itoa(p))
		return c.cfg.Base + "/venues?" + u.Encode()
	}
	if page > 1 {
		d.PrevURL = pageURL(page - 1)
	}
	if page < d.Pages {
		d.NextURL = pageURL(page + 1)
	}
	v.Title, v.Section, v.Data = v.T("venues_title"), "venues", d
	venuesSummary(v, total, len(aps), status)
	return "venues"
}

// venueKey reads {org}/{id} from the path.
func venueKey(r *http.Request) hotspots.VenueKey {
	vars := mux.Vars(r)
	return hotspots.MakeVenueKey(vars["org"], vars["id"])
}

// readableVenue returns the venue at the request's path if the principal
// may see it; other organisations' venues are "not found".
func (c *Console) readableVenue(r *http.Request, v *view) (hotspots.Venue, error) {
	ven, err := c.reg.Venue(venueKey(r))
	if err != nil {
		return ven, err
	}
	if !v.User.CanRead(ven.Org) {
		return hotspots.Venue{}, errNotFound
	}
	return ven, nil
}

type apRow struct {
	hotspots.AP
	State  apState
	Chart  template.HTML
	Status string // "on", "off", "na"
}

type venueData struct {
	V           hotspots.Venue
	APs         []apRow
	NAS         []hotspots.NAS
	Plan        hotspots.Plan
	PlanDefault bool
	Usage       template.HTML
	Days        []venueDay // the last days' figures, newest first
	NoTelemetry bool
	CanWrite    bool
	Token       string // a new AP's agent token, shown once
	TokenAP     string
	APName      string
	APMAC       string
	Form        *venueForm // set when editing
}

// venue shows one venue with its APs, NAS, plan and usage.
func (c *Console) venue(w http.ResponseWriter, r *http.Request, v *view) string {
	ven, err := c.readableVenue(r, v)
	if err != nil {
		return c.fail(v, err)
	}
	d, err := c.venueData(r, v, ven)
	if err != nil {
		return c.fail(v, err)
	}
	if r.URL.Query().Get("edit") == "1" && d.CanWrite {
		return c.venueEditPage(r, v, formFromVenue(ven))
	}
	if r.URL.Query().Get("saved") == "1" {
		v.Notice = v.T("venue_saved", ven.Key())
	}
	v.Title, v.Section, v.Data = ven.NameEN, "venues", d
	return "venue"
}

func (c *Console) venueData(r *http.Request, v *view, ven hotspots.Venue) (*venueData, error) {
	ctx := r.Context()
	d := &venueData{V: ven, CanWrite: v.User.CanWrite(ven.Org), NoTelemetry: c.cfg.Telemetry == nil}
	aps, _, err := c.reg.ListAPs(hotspots.APFilter{Venue: ven.Key()}, 0, 0)
	if err != nil {
		return nil, err
	}
	states, err := c.apStates(ctx, aps)
	if err != nil {
		return nil, err
	}
	// 24 hours of 5-minute buckets up to and including the current one.
	until := v.now.Truncate(5 * time.Minute).Add(5 * time.Minute)
	since := until.Add(-5*time.Minute - 24*time.Hour)
	for _, ap := range aps {
		row := apRow{AP: ap, State: states[ap.ID], Status: "na"}
		if row.State.Known {
			row.Status = map[bool]string{true: "on", false: "off"}[row.State.Online]
			if row.State.Online { // the live set says online; read the rest
				if row.State.Status, err = c.cfg.Telemetry.APStatus(ap.ID); err != nil {
					return nil, err
				}
			}
			buckets, err := c.cfg.Telemetry.APSeries(ap.ID, since, until)
			if err != nil {
				return nil, err
			}
			clients, peak := bucketSeries(buckets, since, func(b telemetry.Bucket) float64 { return float64(b.ClientsMax) })
			row.Chart = renderChart(clients, v.T("chart_clients", ap.Name, int(peak)), func(f float64) string { return strconv.Itoa(int(f)) })
		}
		d.APs = append(d.APs, row)
	}
	if c.cfg.Telemetry != nil && len(aps) > 0 {
		buckets, err := c.cfg.Telemetry.VenueSeries(ven.Key().String(), since, until)
		if err != nil {
			return nil, err
		}
		if len(buckets) > 0 {
			usage, _ := bucketSeries(buckets, since, func(b telemetry.Bucket) float64 { return float64(b.BytesUp + b.BytesDown) })
			sum := 0.0
			for _, b := range usage.Values {
				sum += b
			}
			d.Usage = renderChart(usage, v.T("chart_usage", humanBytes(uint64(sum))), func(f float64) string { return humanBytes(uint64(f)) })
		}
	}
	if d.Days, err = c.venueDays(ven.Key().String(), v.now); err != nil {
		return nil, err
	}
	nas, err := c.reg.ListNAS()
	if err != nil {
		return nil, err
	}
	for _, n := range nas {
		if n.Hotspot == ven.Key() {
			d.NAS = append(d.NAS, n)
		}
	}
	d.Plan, d.PlanDefault = c.cfg.DefaultPlan, true
	if ven.Plan != "" {
		if p, err := c.reg.Plan(ven.Plan); err == nil {
			d.Plan, d.PlanDefault = p, false
		}
	}
	return d, nil
}

// venueDay is one Hong Kong day of a venue's usage figures.
type venueDay struct {
	Date string
	usage.Cell
}

// venuePageDays is how many days the venue page lists.
const venuePageDays = 7

// venueDays is the venue's last days to today (Hong Kong), newest
// first; none when the server keeps no usage figures.
func (c *Console) venueDays(venue string, now time.Time) ([]venueDay, error) {
	if c.cfg.Figures == nil {
		return nil, nil
	}
	y, m, dd := now.In(usage.HongKong).Date()
	today := time.Date(y, m, dd, 0, 0, 0, 0, usage.HongKong)
	first := today.AddDate(0, 0, 1-venuePageDays)
	byDate, err := c.cfg.Figures.VenueDaily(venue, first, today)
	if err != nil {
		return nil, err
	}
	out := make([]venueDay, venuePageDays)
	for i := range out {
		out[i].Date = today.AddDate(0, 0, -i).Format("2006-01-02")
		if c := byDate[out[i].Date]; c != nil {
			out[i].Cell = *c
		}
	}
	return out, nil
}

// bucketSeries lays 24 hours of 5-minute buckets out from since, with
// empty buckets as zero, and returns the largest value.
func bucketSeries(bs []telemetry.Bucket, since time.Time, val func(telemetry.Bucket) float64) (series, float64) {
	s := series{Start: since, Step: 5 * time.Minute, Values: make([]float64, 24*12+1)}
	peak := 0.0
	for _, b := range bs {
		i := int(b.Start.Sub(since) / (5 * time.Minute))
		if i < 0 || i >= len(s.Values) {
			continue
		}
		s.Values[i] += val(b)
		peak = max(peak, s.Values[i])
	}
	return s, peak
}

// venuePost edits a venue (action=update), registers an AP at it
// (action=add_ap) or removes it (action=delete).
func (c *Console) venuePost(w http.ResponseWriter, r *http.Request, v *view) string {
	ven, err := c.readableVenue(r, v)
	if err != nil {
		return c.fail(v, err)
	}
	if !v.User.CanWrite(ven.Org) {
		return c.fail(v, errForbidden)
	}
	switch r.PostFormValue("action") {
	case "update":
		f := formFromRequest(r)
		f.Org, f.LocationID = ven.Org, ven.LocationID // the key does not change
		nv, err := f.venue()
		if err == nil {
			nv.Created = ven.Created
			nv, err = c.reg.UpdateVenue(nv)
		}
		if err != nil {
			f.setError(err)
			v.Status = http.StatusUnprocessableEntity
			v.Error = err.Error()
			return c.venueEditPage(r, v, f)
		}
		c.audit(*v.User, "venue.update", nv.Key().String(), nv.Org, "console")
		http.Redirect(w, r, venuePath(c.cfg.Base, nv.Key())+"?saved=1", http.StatusSeeOther)
		return ""
	case "add_ap":
		return c.addAP(r, v, ven)
	case "delete":
		return c.deleteVenue(w, r, v, ven)
	}
	return c.fail(v, errNotFound)
}

// deleteVenue removes a venue once confirmed and lists the venues left;
// a venue that gateways or APs still belong to stays, and its page says
// so.
func (c *Console) deleteVenue(w http.ResponseWriter, r *http.Request, v *view, ven hotspots.Venue) string {
	v.Section = "venues"
	page := venuePath(c.cfg.Base, ven.Key())
	if !confirmed(r, v, confirmation{Action: page, Fields: map[string]string{"action": "delete"},
		Question: v.T("venue_delete_q", ven.NameEN, ven.Key()), Detail: v.T("venue_delete_detail"),
		Button: v.T("venue_delete"), Cancel: page}) {
		return "confirm"
	}
	err := c.reg.DeleteVenue(ven.Key())
	if errors.Is(err, hotspots.ErrInUse) {
		d, derr := c.venueData(r, v, ven)
		if derr != nil {
			return c.fail(v, derr)
		}
		v.Status, v.Error = http.StatusConflict, v.T("venue_in_use")
		v.Title, v.Data = ven.NameEN, d
		return "venue"
	}
	if err != nil {
		return c.fail(v, err)
	}
	c.audit(*v.User, "venue.delete", ven.Key().String(), ven.Org, "console")
	v.Notice = v.T("venue_deleted", ven.NameEN, ven.Key())
	return c.venues(w, r, v)
}

// addAP registers an AP and shows its agent token once.
func (c *Console) addAP(r *http.Request, v *view, ven hotspots.Venue) string {
	name, mac := strings.TrimSpace(r.PostFormValue("ap_name")), r.PostFormValue("ap_mac")
	ap, token, err := c.reg.AddAP(ven.Key(), name, mac)
	if err == nil {
		c.audit(*v.User, "ap.create", ap.ID, ven.Org, "console")
		c.met.apsAdded.Inc()
	}
	d, derr := c.venueData(r, v, ven)
	if derr != nil {
		return c.fail(v, derr)
	}
	if err != nil {
		v.Status, v.Error = http.StatusUnprocessableEntity, err.Error()
		d.APName, d.APMAC = name, mac
	} else {
		d.Token, d.TokenAP = token, ap.ID
	}
	v.Title, v.Section, v.Data = ven.NameEN, "venues", d
	return "venue"
}

// venueForm is the register/edit form's fields as typed.
type venueForm struct {
	Org, LocationID, NameEN, NameTC, NameSC, TypeEN, AddressEN string
	Lat, Lon, Hotspots, SSID, Plan, District                   string
	Errs                                                       map[string]string
	Edit                                                       bool
	Plans                                                      []hotspots.Plan
	FixedOrg                                                   bool
	DefaultPlan                                                string
	Picker                                                     template.HTML // a map to click the position on
}

// Key is the address the form's venue has or will have.
func (f *venueForm) Key() hotspots.VenueKey { return hotspots.MakeVenueKey(f.Org, f.LocationID) }

func formFromRequest(r *http.Request) *venueForm {
	g := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	return &venueForm{Org: g("organisation_code"), LocationID: g("location_id"), NameEN: g("name_en"),
		NameTC: g("name_tc"), NameSC: g("name_sc"), TypeEN: g("venue_type_en"), AddressEN: g("address_en"),
		Lat: g("latitude"), Lon: g("longitude"), Hotspots: g("number_of_hotspots"), SSID: g("ssid"),
		Plan: g("plan"), District: g("district")}
}

func formFromVenue(v hotspots.Venue) *venueForm {
	return &venueForm{Org: v.Org, LocationID: v.LocationID, NameEN: v.NameEN, NameTC: v.NameTC, NameSC: v.NameSC,
		TypeEN: v.TypeEN, AddressEN: v.AddressEN, Lat: strconv.FormatFloat(v.Latitude, 'f', -1, 64),
		Lon: strconv.FormatFloat(v.Longitude, 'f', -1, 64), Hotspots: strconv.Itoa(v.Hotspots), SSID: v.SSID,
		Plan: v.Plan, District: v.District}
}

// venue parses the numbers; the registry checks the rest.
func (f *venueForm) venue() (hotspots.Venue, error) {
	v := hotspots.Venue{Org: f.Org, LocationID: f.LocationID, NameEN: f.NameEN, NameTC: f.NameTC, NameSC: f.NameSC,
		TypeEN: f.TypeEN, AddressEN: f.AddressEN, SSID: f.SSID, Plan: f.Plan, District: f.District}
	var err error
	if v.Latitude, err = strconv.ParseFloat(f.Lat, 64); err != nil {
		return v, &input.FieldError{Field: "latitude", Problem: fmt.Sprintf("%q is not a number", f.Lat)}
	}
	if v.Longitude, err = strconv.ParseFloat(f.Lon, 64); err != nil {
		return v, &input.FieldError{Field: "longitude", Problem: fmt.Sprintf("%q is not a number", f.Lon)}
	}
	if f.Hotspots != "" {
		if v.Hotspots, err = strconv.Atoi(f.Hotspots); err != nil {
			return v, &input.FieldError{Field: "number_of_hotspots", Problem: fmt.Sprintf("%q is not a whole number", f.Hotspots)}
		}
	}
	if v.SSID == "" {
		v.SSID = "WiFi@HK"
	}
	return v, nil
}

// setError marks the field an error names, for aria-invalid.
func (f *venueForm) setError(err error) {
	f.Errs = map[string]string{}
	var fe *input.FieldError
	if errors.As(err, &fe) {
		f.Errs[fe.Field] = fe.Problem
	}
}

// Err is the problem with field, or "".
func (f *venueForm) Err(field string) string { return f.Errs[field] }

func (c *Console) venueEditPage(r *http.Request, v *view, f *venueForm) string {
	f.Edit = true
	return c.venueFormPage(v, f, v.T("venue_edit"))
}

func (c *Console) venueFormPage(v *view, f *venueForm, title string) string {
	plans, err := c.reg.ListPlans()
	if err != nil {
		return c.fail(v, err)
	}
	for _, p := range plans {
		if p.Org == "" || p.Org == f.Org || (f.Org == "" && v.User.CanWrite(p.Org)) {
			f.Plans = append(f.Plans, p)
		}
	}
	f.DefaultPlan = c.cfg.DefaultPlan.Name
	var labels []mapLabel
	for _, d := range hotspots.Districts() {
		labels = append(labels, mapLabel{EN: d.EN, Figure: v.District(d.EN)})
	}
	lat, errLat := strconv.ParseFloat(f.Lat, 64)
	lon, errLon := strconv.ParseFloat(f.Lon, 64)
	near := errLat == nil && errLon == nil && lat > 22 && lat < 23 && lon > 113.5 && lon < 114.7 // also not NaN
	f.Picker = renderPicker(labels, lat, lon, near, v.T("f_picker"), c.tiles)
	if !v.User.IsAdmin() {
		f.FixedOrg, f.Org = true, v.User.Org
	}
	v.Title, v.Section, v.Data = title, "venues", f
	return "venue_form"
}

func (c *Console) venueNewForm(w http.ResponseWriter, r *http.Request, v *view) string {
	if !v.User.IsAdmin() && !v.User.CanWrite(v.User.Org) {
		return c.fail(v, errForbidden)
	}
	return c.venueFormPage(v, &venueForm{SSID: "WiFi@HK", Hotspots: "1"}, v.T("venue_new"))
}

// venueCreate registers a venue; an operator registers it for their own
// organisation whatever the form says.
func (c *Console) venueCreate(w http.ResponseWriter, r *http.Request, v *view) string {
	f := formFromRequest(r)
	if !v.User.IsAdmin() {
		f.Org = v.User.Org
	}
	if !v.User.CanWrite(f.Org) {
		return c.fail(v, errForbidden)
	}
	nv, err := f.venue()
	if err == nil {
		nv, err = c.reg.AddVenue(nv)
	}
	if err != nil {
		f.setError(err)
		v.Status, v.Error = http.StatusUnprocessableEntity, err.Error()
		return c.venueFormPage(v, f, v.T("venue_new"))
	}
	c.audit(*v.User, "venue.create", nv.Key().String(), nv.Org, "console")
	c.met.venuesAdded.Inc()
	http.Redirect(w, r, venuePath(c.cfg.Base, nv.Key())+"?saved=1", http.StatusSeeOther)
	return ""
}
