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
	out := map[Scope]*Day24{}
	scopes, err := Scopes(tx, kind, from, to)
	if err != nil {
		return nil, err
	}
	for _, sc := range scopes {
		d := &Day24{}
		err := Read(tx, sc, from, to, func(h Hour) error {
			c := &d[h.Hour.In(HongKong).Hour()]
			c.add(&h.Cell)
			c.Devices += h.Devices
			return nil
		})
		if err != nil {
			return nil, err
		}
		out[sc] = d
	}
	return out, nil
}
