package hotspots

import (
	"fmt"

	"github.com/wifihk/wifihk/internal/store"
)

// SetNASHotspot moves a NAS to a venue ("" for none).
func (r *Registry) SetNASHotspot(id string, hotspot VenueKey) (NAS, error) {
	var n NAS
	err := r.db.Update(func(tx *store.Tx) error {
		if err := getOr404(tx, store.NAS, id, &n, "NAS"); err != nil {
			return err
		}
		if hotspot != "" && !tx.Has(store.Venues, hotspot.String()) {
			return fieldErr("hotspot", "no venue %q", hotspot)
		}
		n.Hotspot = hotspot
		return tx.Put(store.NAS, id, n)
	})
	if err != nil {
		return NAS{}, err
	}
	return n, r.reloadNAS()
}

// DeleteNAS removes a NAS; RADIUS from its addresses is dropped from then on.
func (r *Registry) DeleteNAS(id string) error {
	err := r.db.Update(func(tx *store.Tx) error {
		if !tx.Has(store.NAS, id) {
			return fmt.Errorf("%w: NAS %q", ErrNotFound, id)
		}
		return tx.Delete(store.NAS, id)
	})
	if err != nil {
		return err
	}
	return r.reloadNAS()
}

// APFilter selects APs: by venue key, or by organisation.
type APFilter struct {
	Venue VenueKey
	Org   string
}

// ListAPs returns the APs that match f, by id, skipping offset and
// returning at most limit (<= 0: all), with the number that match.
func (r *Registry) ListAPs(f APFilter, offset, limit int) ([]AP, int, error) {
	snap, err := r.aps()
	if err != nil {
		return nil, 0, err
	}
	var ids []string
	total := 0
	for _, id := range snap.ids {
		v := snap.venueOf[id]
		if (f.Venue != "" && v != f.Venue) || (f.Org != "" && v.Org() != f.Org) {
			continue
		}
		if total >= offset && (limit <= 0 || len(ids) < limit) {
			ids = append(ids, id)
		}
		total++
	}
	out := make([]AP, 0, len(ids))
	err = r.db.View(func(tx *store.Tx) error {
		for _, id := range ids {
			var ap AP
			if err := tx.Get(store.APs, id, &ap); err != nil {
				return err
			}
			out = append(out, ap)
		}
		return nil
	})
	return out, total, err
}

// RenameAP changes an AP's display name.
func (r *Registry) RenameAP(id, name string) (AP, error) {
	if name == "" || len(name) > 100 {
		return AP{}, fieldErr("name", "must be 1-100 characters")
	}
	var ap AP
	err := r.db.Update(func(tx *store.Tx) error {
		if err := getOr404(tx, store.APs, id, &ap, "AP"); err != nil {
			return err
		}
		ap.Name = name
		return tx.Put(store.APs, id, ap)
	})
	return ap, err
}

// DeleteAP removes an AP and revokes its agent token.
func (r *Registry) DeleteAP(id string) error {
	err := r.db.Update(func(tx *store.Tx) error {
		var ap AP
		if err := getOr404(tx, store.APs, id, &ap, "AP"); err != nil {
			return err
		}
		if err := tx.Delete(store.AgentTokens, ap.TokenHash); err != nil {
			return err
		}
		if err := tx.Delete(store.APMACs, ap.MAC); err != nil {
			return err
		}
		return tx.Delete(store.APs, id)
	})
	if err == nil {
		r.view.invalidateAPs()
	}
	return err
}
