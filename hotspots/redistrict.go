package hotspots

import (
	"errors"
	"fmt"

	"github.com/wifihk/wifihk/internal/store"
)

// redistrict re-derives every stored venue's district and area from the
// boundaries and writes the venues that change: those stored when a
// district came from the nearest centroid (or from a file), and any a
// change of boundaries moves. It reads every venue once at start; it
// writes, and audits, only when something changes.
func (r *Registry) redistrict() error {
	var stale []string
	err := r.db.View(func(tx *store.Tx) error {
		_, err := store.List(tx, store.Venues, store.Query[Venue]{Keep: func(v *Venue) bool {
			if v.deriveDistrict() {
				stale = append(stale, v.Key().String())
			}
			return false
		}})
		return err
	})
	if err != nil || len(stale) == 0 {
		return err
	}
	moved := 0
	err = r.db.Update(func(tx *store.Tx) error {
		for _, key := range stale {
			var v Venue
			if err := tx.Get(store.Venues, key, &v); err != nil {
				if errors.Is(err, store.ErrNotFound) {
					continue // deleted since
				}
				return err
			}
			if !v.deriveDistrict() {
				continue
			}
			v.Updated = r.now().UTC()
			if err := tx.Put(store.Venues, key, v); err != nil {
				return err
			}
			moved++
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("hotspots: re-deriving districts: %w", err)
	}
	r.view.invalidateVenues()
	return r.Audit(AuditEntry{Actor: "upgrade", Action: "venue.redistrict",
		Detail: fmt.Sprintf("%d venues moved to the district their position is in", moved)})
}
