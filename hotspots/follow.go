package hotspots

import "github.com/wifihk/wifihk/internal/store"

// follow keeps the registry's memory current with what other nodes
// sharing the store write (store.DB.Subscribe): the NAS index is read
// again, and the venue, AP, organisation and plan snapshots are rebuilt
// on their next use. A node sees another's change within the feed's delay
// (milliseconds on PostgreSQL); until then it answers from what it had,
// so a NAS deleted on one node is still answered by another for that
// long. The registry's own writes update its memory before they return.
func (r *Registry) follow() {
	r.db.Subscribe(store.NAS, func(c store.Change) {
		if c.Local {
			return
		}
		if err := r.reloadNAS(); err != nil {
			r.log().Error("NAS index: reload after another node's change", "err", err)
		}
	})
	r.db.Subscribe(store.Realms, func(c store.Change) {
		if c.Local {
			return
		}
		if err := r.reloadRealms(); err != nil {
			r.log().Error("realm table: reload after another node's change", "err", err)
		}
	})
	for bucket, invalidate := range map[string]func(){
		store.Venues: r.view.invalidateVenues,
		store.APs:    r.view.invalidateAPs,
		store.Orgs:   r.view.invalidateOrgs,
		store.Plans:  r.view.invalidatePlans,
	} {
		r.db.Subscribe(bucket, func(c store.Change) {
			if !c.Local { // local writes invalidate as they return
				invalidate()
			}
		})
	}
}
