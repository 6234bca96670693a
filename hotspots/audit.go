package hotspots

import (
	"time"

	"github.com/wifihk/wifihk/internal/store"
)

// AuditEntry records one change: who made it, what it was, when.
type AuditEntry struct {
	Seq    uint64    `json:"seq"`
	Time   time.Time `json:"time"`
	Actor  string    `json:"actor"`  // "staff:NAME", "cli", "import"
	Action string    `json:"action"` // "venue.create", "staff.delete", …
	Object string    `json:"object"` // what it acted on, e.g. "hkgwfs/HAFC017"
	Org    string    `json:"org,omitempty"`
	Detail string    `json:"detail,omitempty"`
}

// Audit appends an entry to the audit log. Secrets never go in Detail.
func (r *Registry) Audit(e AuditEntry) error {
	e.Time = r.now().UTC()
	return r.db.Update(func(tx *store.Tx) error {
		seq, err := tx.NextID(store.Audit)
		if err != nil {
			return err
		}
		e.Seq = seq
		return tx.Put(store.Audit, store.SeqKey(seq), e)
	})
}

// AuditLog returns entries newest first, those of org only when org is set,
// starting below seq before (0: from the newest), at most limit.
func (r *Registry) AuditLog(org string, before uint64, limit int) ([]AuditEntry, error) {
	var all []AuditEntry
	err := r.db.View(func(tx *store.Tx) (err error) {
		all, err = store.List(tx, store.Audit, store.Query[AuditEntry]{Keep: func(e *AuditEntry) bool {
			return (org == "" || e.Org == org) && (before == 0 || e.Seq < before)
		}})
		return err
	})
	// Newest first.
	for i, j := 0, len(all)-1; i < j; i, j = i+1, j-1 {
		all[i], all[j] = all[j], all[i]
	}
	if limit > 0 && len(all) > limit {
		all = all[:limit]
	}
	return all, err
}
