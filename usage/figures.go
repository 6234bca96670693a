package usage

import (
	"strings"
	"time"

	"github.com/wifihk/wifihk/internal/store"
)

// Figures reads the stored figures for the console's analytics, each
// call in one snapshot. An organisation's code limits a call to its
// venues; "" is the whole city.
type Figures struct{ DB *store.DB }

// scopeOf is the city's scope, or org's.
func scopeOf(org string) Scope {
	if org == "" {
		return City
	}
	return OrgScope(org)
}

// HoursOfDay is the city's (or org's) figures by hour of the day over
// [from, to).
func (f Figures) HoursOfDay(org string, from, to time.Time) (d *Day24, err error) {
	d = &Day24{}
	err = f.DB.View(func(tx *store.Tx) error { return sumHours(tx, scopeOf(org), from, to, d) })
	return d, err
}

// Heatmap is the figures by hour of the day of each district (by "d")
// or venue type (by "t") with figures in [from, to), keyed by the
// district's or type's name: the city's, or org's venues only.
func (f Figures) Heatmap(org, by string, from, to time.Time) (map[string]*Day24, error) {
	var hm map[Scope]*Day24
	err := f.DB.View(func(tx *store.Tx) (err error) {
		if org == "" {
			hm, err = Heatmap(tx, by, from, to)
		} else {
			hm, err = OrgHeatmap(tx, org, by, from, to)
		}
		return err
	})
	out := make(map[string]*Day24, len(hm))
	for sc, d := range hm {
		_, name, _ := strings.Cut(string(sc), ":")
		if org != "" {
			name = strings.TrimPrefix(name, org+"|")
		}
		out[name] = d
	}
	return out, err
}

// Daily is the city's (or org's) figures by Hong Kong date over
// [from, to).
func (f Figures) Daily(org string, from, to time.Time) (out map[string]*Cell, err error) {
	err = f.DB.View(func(tx *store.Tx) error {
		out, err = Daily(tx, scopeOf(org), from, to)
		return err
	})
	return out, err
}

// VenueDays is each venue's figures summed over the Hong Kong dates from
// first to last: every venue's, or org's.
func (f Figures) VenueDays(org string, first, last time.Time) (out map[string]*Cell, err error) {
	err = f.DB.View(func(tx *store.Tx) error {
		out, err = VenueDays(tx, org, first, last)
		return err
	})
	return out, err
}

// VenueDaily is one venue's figures by Hong Kong date from first to
// last, with each day's distinct devices.
func (f Figures) VenueDaily(venue string, first, last time.Time) (out map[string]*Cell, err error) {
	err = f.DB.View(func(tx *store.Tx) error {
		out, err = VenueDaily(tx, venue, first, last)
		return err
	})
	return out, err
}
