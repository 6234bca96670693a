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

// PutVenueDay stores c as venue's figures of the Hong Kong date of day,
// replacing what is there, as PutHour does.
func PutVenueDay(tx *store.Tx, venue string, day time.Time, c Cell) error {
	return tx.Put(store.Usage, dayKey(dayOf(day), venue), (*storedCell)(&c))
}
