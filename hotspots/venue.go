package hotspots

import (
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/wifihk/wifihk/internal/store"
)

// Venue is a place with WiFi@HK hotspots, with the fields of the Wi-Fi.HK
// open data. It is addressed as "ORG/LOCATIONID" (Key).
type Venue struct {
	Org            string  `json:"organisation_code"`
	LocationID     string  `json:"location_id"`
	NameEN         string  `json:"name_en"`
	NameTC         string  `json:"name_tc,omitempty"`
	NameSC         string  `json:"name_sc,omitempty"`
	TypeEN         string  `json:"venue_type_en"`
	TypeTC         string  `json:"venue_type_tc,omitempty"`
	TypeSC         string  `json:"venue_type_sc,omitempty"`
	AddressEN      string  `json:"address_en"`
	AddressTC      string  `json:"address_tc,omitempty"`
	AddressSC      string  `json:"address_sc,omitempty"`
	District       string  `json:"district"` // one of the 18, English name, from the position
	Area           string  `json:"area"`     // derived from the district
	Latitude       float64 `json:"latitude"`
	Longitude      float64 `json:"longitude"`
	SSID           string  `json:"ssid"`
	Hotspots       int     `json:"number_of_hotspots"`
	Certificate    string  `json:"digital_certificate,omitempty"` // "Y" or "N" in the open data
	MoreInfoEN     string  `json:"more_information_en,omitempty"`
	MoreInfoTC     string  `json:"more_information_tc,omitempty"`
	MoreInfoSC     string  `json:"more_information_sc,omitempty"`
	MoreInfoLinkEN string  `json:"more_information_link_en,omitempty"`
	MoreInfoLinkTC string  `json:"more_information_link_tc,omitempty"`
	MoreInfoLinkSC string  `json:"more_information_link_sc,omitempty"`
	RemarksEN      string  `json:"remarks_en,omitempty"`
	RemarksTC      string  `json:"remarks_tc,omitempty"`
	RemarksSC      string  `json:"remarks_sc,omitempty"`
	// Plan names the access plan; "" means the configured default plan.
	Plan    string    `json:"plan"`
	Created time.Time `json:"created"`
	Updated time.Time `json:"updated"`
}

// Key is the venue's address, "ORG/LOCATIONID".
func (v Venue) Key() VenueKey { return MakeVenueKey(v.Org, v.LocationID) }

// Hong Kong's bounding box, with a margin: a venue outside it is a typo.
const (
	minLat, maxLat = 22.10, 22.60
	minLon, maxLon = 113.80, 114.50
)

// normalize trims text, derives district and area, and names the first field
// that is wrong.
func (v *Venue) normalize() error {
	for _, s := range []*string{&v.Org, &v.LocationID, &v.NameEN, &v.NameTC, &v.NameSC, &v.TypeEN,
		&v.TypeTC, &v.TypeSC, &v.AddressEN, &v.AddressTC, &v.AddressSC, &v.District, &v.SSID,
		&v.Certificate, &v.MoreInfoEN, &v.MoreInfoTC, &v.MoreInfoSC, &v.MoreInfoLinkEN,
		&v.MoreInfoLinkTC, &v.MoreInfoLinkSC, &v.RemarksEN, &v.RemarksTC, &v.RemarksSC, &v.Plan} {
		*s = strings.TrimSpace(*s)
	}
	if !ValidOrgCode(v.Org) {
		return fieldErr("organisation_code", "%q must be 1-32 letters, digits, '_' or '-'", v.Org)
	}
	if err := checkLocationID(v.LocationID); err != nil {
		return err
	}
	for _, f := range []struct {
		name, v string
		max     int
		req     bool
	}{
		{"name_en", v.NameEN, 300, true}, {"name_tc", v.NameTC, 300, false}, {"name_sc", v.NameSC, 300, false},
		{"venue_type_en", v.TypeEN, 100, false}, {"venue_type_tc", v.TypeTC, 100, false}, {"venue_type_sc", v.TypeSC, 100, false},
		{"address_en", v.AddressEN, 500, false}, {"address_tc", v.AddressTC, 500, false}, {"address_sc", v.AddressSC, 500, false},
		{"ssid", v.SSID, 200, false}, {"digital_certificate", v.Certificate, 10, false},
		{"more_information_en", v.MoreInfoEN, 2000, false}, {"more_information_tc", v.MoreInfoTC, 2000, false},
		{"more_information_sc", v.MoreInfoSC, 2000, false}, {"more_information_link_en", v.MoreInfoLinkEN, 1000, false},
		{"more_information_link_tc", v.MoreInfoLinkTC, 1000, false}, {"more_information_link_sc", v.MoreInfoLinkSC, 1000, false},
		{"remarks_en", v.RemarksEN, 2000, false}, {"remarks_tc", v.RemarksTC, 2000, false}, {"remarks_sc", v.RemarksSC, 2000, false},
	} {
		switch {
		case f.req && f.v == "":
			return fieldErr(f.name, "required")
		case len(f.v) > f.max:
			return fieldErr(f.name, "is %d bytes, at most %d", len(f.v), f.max)
		case !utf8.ValidString(f.v):
			return fieldErr(f.name, "is not valid UTF-8")
		}
	}
	for _, l := range []struct{ name, v string }{{"more_information_link_en", v.MoreInfoLinkEN},
		{"more_information_link_tc", v.MoreInfoLinkTC}, {"more_information_link_sc", v.MoreInfoLinkSC}} {
		if err := checkLink(l.name, l.v); err != nil {
			return err
		}
	}
	switch {
	case !(v.Latitude >= minLat && v.Latitude <= maxLat): // also rejects NaN
		return fieldErr("latitude", "%v is outside Hong Kong (%v to %v)", v.Latitude, minLat, maxLat)
	case !(v.Longitude >= minLon && v.Longitude <= maxLon):
		return fieldErr("longitude", "%v is outside Hong Kong (%v to %v)", v.Longitude, minLon, maxLon)
	case v.Hotspots < 0 || v.Hotspots > 100000:
		return fieldErr("number_of_hotspots", "%d is not between 0 and 100000", v.Hotspots)
	}
	if _, ok := LookupDistrict(v.District); v.District != "" && !ok {
		return fieldErr("district", "%q is not one of the 18 districts", v.District)
	}
	v.deriveDistrict()
	return nil
}

// deriveDistrict sets district and area from the venue's position. A
// district given with the venue (the open data's DistrictEN, a form) is
// not trusted: files made when districts came from the nearest centroid
// put a fifth of the real venues in the wrong one.
func (v *Venue) deriveDistrict() (changed bool) {
	d := DistrictAt(v.Latitude, v.Longitude)
	changed = v.District != d.EN || v.Area != d.Area
	v.District, v.Area = d.EN, d.Area
	return changed
}

// checkLink accepts an empty link or an absolute http(s) URL with a host,
// so that a published link cannot run script (javascript:, data:).
func checkLink(field, link string) error {
	if link == "" {
		return nil
	}
	u, err := url.Parse(link)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fieldErr(field, "%q is not an http or https link", link)
	}
	return nil
}

func checkLocationID(id string) error {
	switch {
	case id == "":
		return fieldErr("location_id", "required")
	case len(id) > 64:
		return fieldErr("location_id", "is %d bytes, at most 64", len(id))
	case !utf8.ValidString(id):
		return fieldErr("location_id", "is not valid UTF-8")
	case strings.Contains(id, "//") || strings.HasPrefix(id, "/") || strings.HasSuffix(id, "/"):
		return fieldErr("location_id", "%q has an empty path segment", id)
	}
	for _, seg := range strings.Split(id, "/") {
		if seg == "." || seg == ".." {
			return fieldErr("location_id", "%q has a '.' or '..' segment", id)
		}
	}
	for _, c := range id {
		if unicode.IsControl(c) || c == '?' || c == '#' || c == '%' {
			return fieldErr("location_id", "%q holds %q", id, c)
		}
	}
	return nil
}

// checkVenueRefs checks what a venue refers to inside tx.
func checkVenueRefs(tx *store.Tx, v Venue) error {
	if !tx.Has(store.Orgs, v.Org) {
		return fieldErr("organisation_code", "no organisation %q", v.Org)
	}
	if v.Plan == "" {
		return nil
	}
	var p Plan
	if err := tx.Get(store.Plans, v.Plan, &p); err != nil {
		return fieldErr("plan", "no plan %q", v.Plan)
	}
	if p.Org != "" && p.Org != v.Org {
		return fieldErr("plan", "plan %q belongs to organisation %q", v.Plan, p.Org)
	}
	return nil
}

// AddVenue registers a venue; its organisation must exist.
func (r *Registry) AddVenue(v Venue) (Venue, error) {
	if err := v.normalize(); err != nil {
		return Venue{}, err
	}
	v.Created = r.now().UTC()
	v.Updated = v.Created
	err := r.db.Update(func(tx *store.Tx) error {
		if err := checkVenueRefs(tx, v); err != nil {
			return err
		}
		if err := tx.Insert(store.Venues, v.Key().String(), v); err != nil {
			return fmt.Errorf("%w: venue %q", ErrExists, v.Key())
		}
		return nil
	})
	if err != nil {
		return Venue{}, err
	}
	r.view.invalidateVenues()
	return v, nil
}

// UpdateVenue replaces an existing venue's fields (not its key).
func (r *Registry) UpdateVenue(v Venue) (Venue, error) {
	if err := v.normalize(); err != nil {
		return Venue{}, err
	}
	err := r.db.Update(func(tx *store.Tx) error {
		var old Venue
		if err := getOr404(tx, store.Venues, v.Key().String(), &old, "venue"); err != nil {
			return err
		}
		if err := checkVenueRefs(tx, v); err != nil {
			return err
		}
		v.Created, v.Updated = old.Created, r.now().UTC()
		return tx.Put(store.Venues, v.Key().String(), v)
	})
	if err != nil {
		return Venue{}, err
	}
	r.view.invalidateVenues()
	return v, nil
}

// Venue returns the venue at key "ORG/LOCATIONID".
func (r *Registry) Venue(key VenueKey) (Venue, error) {
	var v Venue
	err := r.db.View(func(tx *store.Tx) error { return getOr404(tx, store.Venues, key.String(), &v, "venue") })
	return v, err
}

// VenueName is a venue's name in lang (en, zh-Hant or zh-Hans), falling
// back to English, or key itself when there is no such venue. It reads the
// in-memory snapshot, for pages on every visitor's path.
func (r *Registry) VenueName(key VenueKey, lang string) string {
	s, err := r.venues()
	if err != nil {
		return key.String()
	}
	i, ok := s.byKey[key]
	if !ok {
		return key.String()
	}
	v := s.list[i]
	names := []string{v.NameEN}
	switch lang {
	case "zh-Hant":
		names = []string{v.NameTC, v.NameEN}
	case "zh-Hans":
		names = []string{v.NameSC, v.NameTC, v.NameEN}
	}
	for _, n := range names {
		if n != "" {
			return n
		}
	}
	return key.String()
}

// DeleteVenue removes a venue that no NAS or AP belongs to.
func (r *Registry) DeleteVenue(key VenueKey) error {
	err := r.db.Update(func(tx *store.Tx) error {
		if !tx.Has(store.Venues, key.String()) {
			return fmt.Errorf("%w: venue %q", ErrNotFound, key)
		}
		if n, ok := r.nasAt(key); ok {
			return fmt.Errorf("%w: NAS %q belongs to venue %q", ErrInUse, n, key)
		}
		aps, err := store.List(tx, store.APs, store.Query[AP]{Limit: 1,
			Keep: func(ap *AP) bool { return ap.Hotspot == key }})
		if err != nil {
			return err
		}
		if len(aps) > 0 {
			return fmt.Errorf("%w: AP %s belongs to venue %q", ErrInUse, aps[0].ID, key)
		}
		return tx.Delete(store.Venues, key.String())
	})
	if err == nil {
		r.view.invalidateVenues()
	}
	return err
}

// nasAt names a NAS that serves venue key.
func (r *Registry) nasAt(key VenueKey) (string, bool) {
	for _, n := range r.nas.Load().byName {
		if n.Hotspot == key {
			return n.Name, true
		}
	}
	return "", false
}
