package usage

import (
	"time"

	"github.com/wifihk/wifihk/internal/store"
)

// Day24 is a scope's figures by hour of the day (Hong Kong), summed over
// the days of a range; Peak and ClientsMax are the largest, Devices the
// sum of the hours' device counts (device-hours).
type Day24 [24]Cell

// Heatmap returns, for every scope of kind ("d" districts, "t" venue
// types, "o" organisations, "x" district × venue type, "v" venues) with
// figures in [from, to), its figures by hour of the day. It reads each
// scope's hours in the range once: a month of the 18 districts is
// 18 × 744 cells.
func Heatmap(tx *store.Tx, kind string, from, to time.Time) (map[Scope]*Day24, error) {
	return heatmap(tx, kind+":", from, to)
}

// OrgHeatmap is Heatmap for one organisation's venues, by district (by
// "d") or venue type ("t"); the map's keys are OrgDistrictScope or
// OrgTypeScope scopes.
func OrgHeatmap(tx *store.Tx, org, by string, from, to time.Time) (map[Scope]*Day24, error) {
	return heatmap(tx, "o"+by+":"+org+"|", from, to)
}

func heatmap(tx *store.Tx, prefix string, from, to time.Time) (map[Scope]*Day24, error) {
	out := map[Scope]*Day24{}
	scopes, err := scopesFrom(tx, prefix, from, to)
	if err != nil {
		return nil, err
	}
	for _, sc := range scopes {
		d := &Day24{}
		if err := sumHours(tx, sc, from, to, d); err != nil {
			return nil, err
		}
		out[sc] = d
	}
	return out, nil
}

// sumHours adds scope s's hours in [from, to) into d by hour of the day.
func sumHours(tx *store.Tx, s Scope, from, to time.Time, d *Day24) error {
	return Read(tx, s, from, to, func(h Hour) error {
		c := &d[h.Hour.In(HongKong).Hour()]
		c.add(&h.Cell)
		c.Devices += h.Devices
		return nil
	})
}

// Daily sums scope's hours in [from, to) by Hong Kong date
// ("2006-01-02"), as Day24 does by hour of the day.
func Daily(tx *store.Tx, s Scope, from, to time.Time) (map[string]*Cell, error) {
	out := map[string]*Cell{}
	err := Read(tx, s, from, to, func(h Hour) error {
		d := dayOf(h.Hour)
		c := out[d]
		if c == nil {
			c = &Cell{}
			out[d] = c
		}
		c.add(&h.Cell)
		c.Devices += h.Devices
		return nil
	})
	return out, err
}
