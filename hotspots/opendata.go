package hotspots

import (
	"strconv"
)

// column is one field of the Wi-Fi.HK open data, under its official name.
// str points at the venue field that holds it; the rest are numbers or are
// derived (district and area in Chinese, the organisation's contacts).
type column struct {
	name string
	str  func(*Venue) *string
	kind colKind
}

type colKind int

const (
	colText colKind = iota
	colLat
	colLon
	colCount
	colDistrictTC
	colAreaTC
	colHotline
	colEmail
)

// openColumns are the exported columns, in order. Import reads them by
// name and ignores others (the shared CSV has an extra InWifiMap).
var openColumns = []column{
	{"LocationID", func(v *Venue) *string { return &v.LocationID }, colText},
	{"OrganisationCode", func(v *Venue) *string { return &v.Org }, colText},
	{"LocationNameEN", func(v *Venue) *string { return &v.NameEN }, colText},
	{"LocationNameTC", func(v *Venue) *string { return &v.NameTC }, colText},
	{"LocationNameSC", func(v *Venue) *string { return &v.NameSC }, colText},
	{"VenueTypeEN", func(v *Venue) *string { return &v.TypeEN }, colText},
	{"VenueTypeTC", func(v *Venue) *string { return &v.TypeTC }, colText},
	{"VenueTypeSC", func(v *Venue) *string { return &v.TypeSC }, colText},
	{"AddressEN", func(v *Venue) *string { return &v.AddressEN }, colText},
	{"AddressTC", func(v *Venue) *string { return &v.AddressTC }, colText},
	{"AddressSC", func(v *Venue) *string { return &v.AddressSC }, colText},
	{"DistrictEN", func(v *Venue) *string { return &v.District }, colText},
	{"DistrictTC", nil, colDistrictTC},
	{"AreaEN", func(v *Venue) *string { return &v.Area }, colText},
	{"AreaTC", nil, colAreaTC},
	{"Latitude", nil, colLat},
	{"Longitude", nil, colLon},
	{"SSID", func(v *Venue) *string { return &v.SSID }, colText},
	{"NumberOfHotspots", nil, colCount},
	{"DigitalCertificate", func(v *Venue) *string { return &v.Certificate }, colText},
	{"SupportHotline", nil, colHotline},
	{"SupportEmail", nil, colEmail},
	{"MoreInformationEN", func(v *Venue) *string { return &v.MoreInfoEN }, colText},
	{"MoreInformationTC", func(v *Venue) *string { return &v.MoreInfoTC }, colText},
	{"MoreInformationSC", func(v *Venue) *string { return &v.MoreInfoSC }, colText},
	{"MoreInformationLinkEN", func(v *Venue) *string { return &v.MoreInfoLinkEN }, colText},
	{"MoreInformationLinkTC", func(v *Venue) *string { return &v.MoreInfoLinkTC }, colText},
	{"MoreInformationLinkSC", func(v *Venue) *string { return &v.MoreInfoLinkSC }, colText},
	{"RemarksEN", func(v *Venue) *string { return &v.RemarksEN }, colText},
	{"RemarksTC", func(v *Venue) *string { return &v.RemarksTC }, colText},
	{"RemarksSC", func(v *Venue) *string { return &v.RemarksSC }, colText},
}

// OpenDataColumns returns the open-data field names in export order.
func OpenDataColumns() []string {
	out := make([]string, len(openColumns))
	for i, c := range openColumns {
		out[i] = c.name
	}
	return out
}

// cell is one exported value: its text, and whether JSON shows it as a
// number.
func (c column) cell(v *Venue, o *Org) (text string, number bool) {
	switch c.kind {
	case colLat:
		return strconv.FormatFloat(v.Latitude, 'f', -1, 64), true
	case colLon:
		return strconv.FormatFloat(v.Longitude, 'f', -1, 64), true
	case colCount:
		return strconv.Itoa(v.Hotspots), true
	case colDistrictTC:
		d, _ := LookupDistrict(v.District)
		return d.TC, false
	case colAreaTC:
		d, _ := LookupDistrict(v.District)
		return d.AreaTC, false
	case colHotline:
		return o.SupportHotline, false
	case colEmail:
		return o.SupportEmail, false
	}
	return *c.str(v), false
}
