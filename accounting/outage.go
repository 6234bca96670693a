package accounting

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/wifihk/wifihk/internal/journal"
	"github.com/wifihk/wifihk/internal/store"
)

// While the store is unreachable (PostgreSQL down or failing over) the
// committer cannot read the sessions it folds packets into. It still
// acknowledges them: a packet whose session it holds in memory is decided
// as usual, and any other becomes a fold op, journaled like the rest and
// decided by the applier against the store once it answers, in the
// applier's transaction (applyFold). Folding is idempotent as merge is, so
// a fold applied twice changes nothing. An Accounting-On/Off becomes a
// close op the same way. Until its fold is applied, every later packet of
// that session (or of that NAS, after a close) is folded too, so no
// decision rests on a stale copy.
//
// What the outage costs: the open-session indexes in memory learn a
// folded session when the applier writes it, not at commit; and a
// folded packet reports applied, since whether it changed anything is
// known only later.

const (
	foldUpdate   byte = 2 // key: the session; val: the Update's JSON
	foldCloseNAS byte = 3 // key: the NAS; val: closeArgs
)

// errBlind is a read the committer cannot answer from memory while the
// store is unreachable.
var errBlind = errors.New("sessions: not in memory and the store is unreachable")

type closeArgs struct {
	Cause string    `json:"cause"`
	At    time.Time `json:"at"`
}

// nasFoldKey is the folding entry of a NAS whose close is not applied.
func nasFoldKey(nas string) string { return "nas\x00" + nas }

// deferred reports whether key (a session of nas) must be folded: a fold
// of it, or a close of its NAS, is journaled and not yet applied.
func (w *writer) deferred(key, nas string) bool {
	if w.folding == nil {
		return false
	}
	_, k := w.folding[key]
	_, n := w.folding[nasFoldKey(nas)]
	return k || n
}

// foldUpdate journals u, to be folded into its session when applied.
func (w *writer) foldUpdate(key string, u Update) (bool, error) {
	raw, err := json.Marshal(u)
	if err != nil {
		return false, fmt.Errorf("sessions: encode %s: %w", key, err)
	}
	w.ops = append(w.ops, op{fold: foldUpdate, key: key, val: raw})
	w.folding[key] = 0 // the seq is set once the record is journaled
	return true, nil
}

// foldClose journals the close of nas's open sessions.
func (w *writer) foldClose(nas, cause string, at time.Time) (int, error) {
	raw, err := json.Marshal(closeArgs{Cause: cause, At: at})
	if err != nil {
		return 0, err
	}
	w.ops = append(w.ops, op{fold: foldCloseNAS, key: nas, val: raw})
	w.folding[nasFoldKey(nas)] = 0
	return 0, nil
}

// noteFolds records the seq of the folds just journaled and forgets what
// memory held of the sessions they touch.
func (s *Store) noteFolds(w *writer, seq uint64) {
	for k, v := range w.folding {
		if v != 0 {
			continue
		}
		s.folding[k] = seq
		if nas, ok := cutPrefix(k, "nas\x00"); ok {
			for key, ss := range s.open {
				if ss.NAS == nas {
					delete(s.open, key)
				}
			}
		} else {
			delete(s.open, k)
		}
	}
}

func cutPrefix(s, p string) (string, bool) {
	if len(s) >= len(p) && s[:len(p)] == p {
		return s[len(p):], true
	}
	return "", false
}

// pruneFolds forgets the folds the store has now.
func (s *Store) pruneFolds(done uint64) {
	for k, seq := range s.folding {
		if seq <= done {
			delete(s.folding, k)
		}
	}
}

// applyFold decides a fold op against the store, in the applier's
// transaction, and adds the sessions it wrote to folded.
func applyFold(tx *store.Tx, o op, folded map[string]Session) error {
	w := &writer{tx: tx, staged: map[string]Session{}, overlay: func(string) ([]byte, bool) { return nil, false }}
	var err error
	switch o.fold {
	case foldUpdate:
		var u Update
		if err = json.Unmarshal(o.val, &u); err == nil {
			_, err = applyTx(w, u)
		}
	case foldCloseNAS:
		var c closeArgs
		if err = json.Unmarshal(o.val, &c); err == nil {
			_, err = closeNASTx(w, o.key, c.Cause, c.At)
		}
	default:
		err = errMalformed
	}
	if err != nil {
		return fmt.Errorf("sessions: fold %q: %w", o.key, err)
	}
	if err := writeOps(tx, w.ops, nil); err != nil {
		return err
	}
	if folded != nil {
		maps.Copy(folded, w.staged)
	}
	return nil
}

// Backlog says how far the store is behind the accounting journal
// (records acknowledged and not yet applied); zero without a journal.
func (s *Store) Backlog() journal.Backlog { return s.pl.Backlog() }
