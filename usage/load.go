package usage

import (
	"time"

	"github.com/wifihk/wifihk/internal/store"
)

// PutHour stores h as scope s's cell of its hour, replacing what is
// there: for loading figures made elsewhere (a benchmark's synthetic
// year). Counting goes through Flush, which adds.
func PutHour(tx *store.Tx, s Scope, h Hour) error {
	return tx.Put(store.Usage, cellKey(s, h.Hour), (*storedCell)(&h.Cell))
}

// AddVenueDays adds cells, by venue, to the venues' figures of the Hong
// Kong date of day (and to their weeks and months), as Flush does but
// without device sketches: for loading figures made elsewhere.
func AddVenueDays(tx *store.Tx, day time.Time, cells map[string]Cell) error {
	days := make(map[dayVenue]*dayDelta, len(cells))
	d := midnight(day).Unix()
	for v, c := range cells {
		days[dayVenue{d, v}] = &dayDelta{Cell: c}
	}
	return addDays(tx, groupDays(days))
}
