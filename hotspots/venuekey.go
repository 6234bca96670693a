package hotspots

import (
	"errors"
	"fmt"
	"strings"

	"github.com/wifihk/wifihk/internal/input"
)

// VenueKey addresses a venue as "ORG/LOCATIONID" (for example
// "hkgwfs/HAFC017"): the organisation code, a slash, and the location ID,
// which may itself hold slashes (the open data has "CDHM/ST/TLT").
//
// It is a string so that it encodes exactly as the plain keys did before
// it had a type: in JSON records, as a bbolt key, in URLs and on the
// command line. The zero VenueKey means "no venue" (a NAS that serves
// none). Check a key that comes from outside with ParseVenueKey.
type VenueKey string

// MakeVenueKey joins an organisation code and a location ID.
func MakeVenueKey(org, locationID string) VenueKey { return VenueKey(org + "/" + locationID) }

// ParseVenueKey checks that s is ORG/LOCATIONID with a valid organisation
// code and location ID, and names what is wrong when it is not.
func ParseVenueKey(s string) (VenueKey, error) {
	org, id, ok := strings.Cut(s, "/")
	switch {
	case !ok || org == "" || id == "":
		return "", fmt.Errorf("hotspots: venue key %q: want ORG/LOCATIONID", s)
	case !ValidOrgCode(org):
		return "", fmt.Errorf("hotspots: venue key %q: organisation code %q must be 1-32 letters, digits, '_' or '-'", s, org)
	}
	if err := checkLocationID(id); err != nil {
		var fe *input.FieldError
		if errors.As(err, &fe) {
			return "", fmt.Errorf("hotspots: venue key %q: location ID %s", s, fe.Problem)
		}
		return "", fmt.Errorf("hotspots: venue key %q: %w", s, err)
	}
	return VenueKey(s), nil
}

// Org is the organisation code: everything before the first slash, or ""
// for the zero key.
func (k VenueKey) Org() string {
	org, _, _ := strings.Cut(string(k), "/")
	return org
}

// LocationID is everything after the first slash.
func (k VenueKey) LocationID() string {
	_, id, _ := strings.Cut(string(k), "/")
	return id
}

// IsZero reports whether k names no venue.
func (k VenueKey) IsZero() bool { return k == "" }

// String is "ORG/LOCATIONID".
func (k VenueKey) String() string { return string(k) }
