package accounting

import (
	"encoding/binary"
	"errors"
	"log/slog"
	"slices"
	"time"

	"github.com/wifihk/wifihk/internal/journal"
	"github.com/wifihk/wifihk/internal/store"
)

// Accounting is written through a journal.Pipeline (internal/journal),
// which makes an Accounting-Response cheap to make durable: a group of
// packets becomes one record appended to a file and one fdatasync, instead
// of a bbolt commit in the answer's path. The records are applied to bbolt
// afterwards, in larger batches, by normal synced commits; each batch
// stores the last record it applied (appliedKey), so on start-up the
// records after it are applied again (replay) and the journal is emptied.
// Without a journal (New) the pipeline is only the group commit, each
// group one bbolt transaction.
//
// This package supplies what a group writes (commitGroup, in sessions.go),
// the record's encoding (appendOps, decodeOps) and its apply (writeRecords).
// A record is what the batch writes, not the packets: absolute session
// records and index keys, computed by the committer before the record is
// written. Applying a record twice therefore changes nothing.
//
// Record body (after the journal's length, checksum and sequence number):
// a uvarint count of operations, and each operation as kind byte (0 put,
// 1 delete, 2 fold an update, 3 close a NAS's sessions; see outage.go),
// uvarint key length, key, and but for a delete a uvarint value length
// and the JSON value.

// appliedKey, followed by "/" and the journal's identity
// (journal.Identity), holds the sequence number of the last record of that
// journal applied to the store: each node sharing a store keeps its own.
// Alone, it is where a journal from before identities kept its mark.
const appliedKey = "j/applied"

// applyDelay is how long the applier lets journal records gather before
// it writes them to bbolt: the larger the batch, the fewer page writes and
// fsyncs per record. Readers that must see the records cut it short.
const applyDelay = 50 * time.Millisecond

// journalReset is the journal size beyond which the committer waits for
// the applier to catch up and empties it.
const journalReset = 8 << 20

// maxGroup caps how many packets share one commit, and how many records
// one bbolt transaction applies.
const maxGroup = 4096

// openPipeline opens s's write path, with the journal at path (replaying
// what a crash left in it) or, if path is empty, straight to bbolt.
func (s *Store) openPipeline(path string, log *slog.Logger) error {
	var err error
	if path != "" {
		id, err := journal.Identity(path)
		if err != nil {
			return err
		}
		s.appliedKey = appliedKey + "/" + id
	}
	shared := s.db.Shared()
	s.pl, err = journal.OpenPipeline(journal.Config[*pending, []op]{
		Path:   path,
		Commit: s.commitGroup,
		Encode: func(b []byte, ops []op) ([]byte, error) { return appendOps(b, ops), nil },
		Decode: decodeOps,
		Apply: func(recs [][]op, last uint64) error {
			var folded map[string]Session
			err := s.db.Update(func(tx *store.Tx) error {
				folded = map[string]Session{}
				// Another node may have written these sessions since
				// (lateapply.go); on a store no other node writes,
				// nothing there is ahead of this journal.
				if shared {
					var err error
					if recs, err = foldBehind(tx, recs); err != nil {
						return err
					}
				}
				return writeRecords(tx, recs, s.appliedKey, last, folded)
			})
			if err == nil && len(folded) > 0 {
				s.byIP.note(folded)
				s.byUser.note(folded)
			}
			return err
		},
		Applied:  s.lastApplied,
		MaxGroup: maxGroup, MaxApply: maxGroup,
		Delay: applyDelay, ResetAt: journalReset,
		Name: "accounting journal", Log: log,
	})
	return err
}

// lastApplied reads the sequence number of this journal's last record in
// the store (or, for a journal from before identities, the one mark).
func (s *Store) lastApplied() (applied uint64, err error) {
	err = s.db.View(func(tx *store.Tx) error {
		err := tx.Get(store.Sessions, s.appliedKey, &applied)
		if errors.Is(err, store.ErrNotFound) {
			err = tx.Get(store.Sessions, appliedKey, &applied)
		}
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return 0, nil
	}
	return applied, err
}

// writeRecords writes records to bbolt and notes last, the last one
// applied, at key (last 0, without a journal: nothing to note). The
// sessions that fold ops wrote go into folded.
func writeRecords(tx *store.Tx, recs [][]op, key string, last uint64, folded map[string]Session) error {
	if err := writeOps(tx, latest(recs), folded); err != nil {
		return err
	}
	if last == 0 {
		return nil
	}
	return tx.Put(store.Sessions, key, last)
}

// latest returns each key's last write in recs, the puts before the
// deletes. Since every op sets or removes a whole record, writing only
// these leaves the store as writing every op in order would, with one
// write per session however many Interim-Updates the batch holds (on
// PostgreSQL, two statements: one for the puts, one for the deletes).
// Records with folds (outage.go) are written as they are.
func latest(recs [][]op) []op {
	n, folds := 0, false
	for _, ops := range recs {
		n += len(ops)
		for _, o := range ops {
			folds = folds || o.fold != 0
		}
	}
	if folds { // a fold reads what is stored: every op, in order
		out := make([]op, 0, n)
		for _, ops := range recs {
			out = append(out, ops...)
		}
		return out
	}
	at := make(map[string]int, n)
	out := make([]op, 0, n)
	for _, ops := range recs {
		for _, o := range ops {
			if i, ok := at[o.key]; ok {
				out[i] = o
				continue
			}
			at[o.key] = len(out)
			out = append(out, o)
		}
	}
	slices.SortStableFunc(out, func(a, b op) int {
		switch {
		case a.del == b.del:
			return 0
		case b.del:
			return -1
		}
		return 1
	})
	return out
}

func writeOps(tx *store.Tx, ops []op, folded map[string]Session) error {
	for _, o := range ops {
		var err error
		if o.fold != 0 {
			err = applyFold(tx, o, folded)
		} else if o.del {
			err = tx.Delete(store.Sessions, o.key)
		} else {
			err = tx.PutRaw(store.Sessions, o.key, o.val)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// op is one write to the sessions bucket, or (fold set) one decided when
// applied.
type op struct {
	del  bool
	fold byte // foldUpdate or foldCloseNAS, else 0
	key  string
	val  []byte // JSON; nil for a delete
}

var errMalformed = errors.New("sessions: journal: malformed record body")

func decodeOps(b []byte) ([]op, error) {
	count, k := binary.Uvarint(b)
	if k <= 0 || count > uint64(len(b)) {
		return nil, errMalformed
	}
	b = b[k:]
	field := func() ([]byte, bool) {
		l, k := binary.Uvarint(b)
		if k <= 0 || l > uint64(len(b)-k) {
			return nil, false
		}
		v := b[k : k+int(l)]
		b = b[k+int(l):]
		return v, true
	}
	ops := make([]op, 0, count)
	for range count {
		if len(b) < 1 {
			return nil, errMalformed
		}
		o := op{del: b[0] == 1}
		switch b[0] {
		case 0, 1:
		case foldUpdate, foldCloseNAS:
			o.fold = b[0]
		default:
			return nil, errMalformed
		}
		b = b[1:]
		key, ok := field()
		if !ok {
			return nil, errMalformed
		}
		o.key = string(key)
		if !o.del {
			val, ok := field()
			if !ok {
				return nil, errMalformed
			}
			o.val = append([]byte(nil), val...)
		}
		ops = append(ops, o)
	}
	if len(b) != 0 {
		return nil, errMalformed
	}
	return ops, nil
}

// appendOps appends ops' encoding (a record body) to b.
func appendOps(b []byte, ops []op) []byte {
	b = binary.AppendUvarint(b, uint64(len(ops)))
	for _, o := range ops {
		switch {
		case o.fold != 0:
			b = append(b, o.fold)
		case o.del:
			b = append(b, 1)
		default:
			b = append(b, 0)
		}
		b = binary.AppendUvarint(b, uint64(len(o.key)))
		b = append(b, o.key...)
		if !o.del {
			b = binary.AppendUvarint(b, uint64(len(o.val)))
			b = append(b, o.val...)
		}
	}
	return b
}
