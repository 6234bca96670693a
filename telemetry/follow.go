package telemetry

import (
	"time"

	"github.com/wifihk/wifihk/internal/store"
)

// follow keeps the in-memory AP status (online, last report) current with
// what other nodes sharing the store write: an AP's reports may go to any
// node, and every node's console, coverage and offline check must agree.
// A node learns of another's report after that node applies it (its
// journal's delay) plus the feed's delay; the offline check decides in a
// store transaction, so two nodes never raise the same alert.
func (s *Service) follow() {
	s.db.Subscribe(store.APStatus, func(c store.Change) {
		if c.Local {
			return // noted as it was ingested
		}
		var recs []Status
		err := s.db.View(func(tx *store.Tx) error {
			if c.All {
				var err error
				recs, err = store.List(tx, store.APStatus, store.Query[Status]{})
				return err
			}
			for _, k := range c.Keys {
				var st Status
				if err := tx.Get(store.APStatus, k, &st); err == nil {
					recs = append(recs, st)
				}
			}
			return nil
		})
		if err != nil {
			s.log.Error("AP status: reading another node's change", "err", err)
			return
		}
		s.mu.Lock()
		for _, st := range recs {
			s.noteRemote(st)
		}
		s.mu.Unlock()
	})
}

// noteRemote folds a stored status into memory (at start-up, or written
// by another node); s.mu is held.
func (s *Service) noteRemote(st Status) {
	ls := s.status[st.AP]
	if ls == nil {
		ls = &liveStatus{}
		s.status[st.AP] = ls
	}
	ls.venue = st.Venue
	ls.interval = time.Duration(st.IntervalS) * time.Second
	switch {
	case st.LastReport.After(ls.lastReport):
		ls.lastReport, ls.online = st.LastReport, st.Online
	case st.LastReport.Equal(ls.lastReport):
		ls.online = st.Online // marked offline, or recovered, over there
	}
}
