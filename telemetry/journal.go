package telemetry

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/wifihk/wifihk/internal/journal"
	"github.com/wifihk/wifihk/internal/store"
)

// With Config.JournalPath, a report is made durable as accounting is, by
// a journal.Pipeline (internal/journal): Ingest hands it to the pipeline's
// one committer goroutine, which takes every report queued meanwhile;
// commit decides which are duplicates and appends the others to the
// journal as one record with one fdatasync, and the pipeline answers. Its
// applier then writes the records to bbolt with applyRecords (applyReport,
// the function the direct path uses), gathering them for applyDelay so
// that one transaction carries hundreds of reports instead of a handful;
// each transaction also stores the sequence number of the last record it
// applied (appliedKey). On start-up the records after that one are
// applied again (replay), and the journal is emptied.
//
// A duplicate is decided against, in this order: the reports journaled
// but not yet applied (an in-memory set, which only the committer reads
// and which loses a record's reports only once a transaction that stored
// them has committed), then the receipts in bbolt, read in a transaction
// opened after that check, then the reports earlier in the same group.
// So a resend is a duplicate whether the first copy is in flight, in
// bbolt, or replayed after a crash; and since applyReport checks the
// receipts again, applying a record twice counts its reports once.
//
// Readers that must see every acknowledged report (APStatus, the series,
// Alerts, CheckOffline's update, Purge) first wait for the applier to
// catch up (readBarrier), which cuts its delay short.
//
// Record body: a uvarint count of reports, then each as a uvarint length
// and the JSON of its entry.

// appliedKey, in the Series bucket, followed by "/" and the journal's
// identity (journal.Identity), holds the sequence number of the last record
// of that journal applied: each node sharing a store keeps its own. Alone,
// it is where a journal from before identities kept its mark. Series keys
// start "ap/" or "venue/", so no scan of the series meets it.
const appliedKey = "journal/applied"

// applyDelay is how long the applier lets records gather before it writes
// them to bbolt. The longer, the fewer commits (each a write of random
// pages and two fdatasyncs competing with the journal's own) for the same
// reports; readers that must see them cut it short.
const applyDelay = 500 * time.Millisecond

// journalReset is the journal size beyond which the committer waits for
// the applier to catch up (one hurried commit) and empties it: about
// 40,000 reports, under a minute at 50,000 APs reporting every minute.
const journalReset = 24 << 20

// maxGroup caps how many reports share a journal record; maxApply how
// many one bbolt transaction applies.
const (
	maxGroup = 1024
	maxApply = 4096
)

// ErrClosed is returned by Ingest after Close.
var ErrClosed = errors.New("telemetry: service closed")

// ingestJournal is the journal mode's state.
type ingestJournal struct {
	pl *journal.Pipeline[*pending, []entry]
	// appliedKey is where this journal's applied mark is kept.
	appliedKey string

	// Committer only.
	inflight map[apSeq]bool  // reports journaled, perhaps not applied
	unpruned []journaledKeys // inflight's records, in order
}

type apSeq struct {
	ap  string
	seq uint64
}

type journaledKeys struct {
	seq  uint64
	keys []apSeq
}

// pending is one Ingest call waiting for the committer.
type pending struct {
	e   entry
	res Result
	err error
}

// openJournal opens the journal, applies to bbolt the records a crash
// left in it, and empties it.
func (s *Service) openJournal(path string) error {
	id, err := journal.Identity(path)
	if err != nil {
		return fmt.Errorf("telemetry: %w", err)
	}
	s.jr = &ingestJournal{inflight: map[apSeq]bool{}, appliedKey: appliedKey + "/" + id}
	pl, err := journal.OpenPipeline(journal.Config[*pending, []entry]{
		Path:     path,
		Commit:   s.commit,
		Encode:   appendEntries,
		Decode:   decodeEntries,
		Apply:    s.applyRecords,
		Applied:  s.lastApplied,
		Weight:   func(es []entry) int { return len(es) },
		MaxGroup: maxGroup, MaxApply: maxApply,
		Delay: applyDelay, ResetAt: journalReset,
		Name: "report journal", Log: s.log,
	})
	if err != nil {
		s.jr = nil
		return fmt.Errorf("telemetry: %w", err)
	}
	s.jr.pl = pl
	return nil
}

// Backlog says how far the store is behind the report journal; zero
// without a journal.
func (s *Service) Backlog() journal.Backlog {
	if s.jr == nil {
		return journal.Backlog{}
	}
	return s.jr.pl.Backlog()
}

// Replay applies to db the reports a crash left in the journal at path, and
// empties it, as New does, for tools that open the DB while the server is
// stopped (a backup, say) and do not ingest.
func Replay(db *store.DB, path string, log *slog.Logger) error {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Service{db: db, log: log}
	s.metrics = newMetrics(s)
	if err := s.openJournal(path); err != nil {
		return err
	}
	return s.jr.pl.Close()
}

// lastApplied reads the sequence number of this journal's last record in
// the store (or, for a journal from before identities, the one mark).
func (s *Service) lastApplied() (applied uint64, err error) {
	err = s.db.View(func(tx *store.Tx) error {
		err := tx.Get(store.Series, s.jr.appliedKey, &applied)
		if errors.Is(err, store.ErrNotFound) {
			err = tx.Get(store.Series, appliedKey, &applied)
		}
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return 0, nil
	}
	return applied, err
}

// applyRecords writes records to bbolt in one transaction that also notes
// last, the last one applied.
func (s *Service) applyRecords(recs [][]entry, last uint64) error {
	var recovered []*entry
	err := s.db.Update(func(tx *store.Tx) error {
		recovered = recovered[:0]
		for i := range recs {
			for k := range recs[i] {
				e := &recs[i][k]
				res, err := applyReport(tx, e)
				if err != nil {
					return fmt.Errorf("%s seq %d: %w", e.AP, e.Seq, err)
				}
				if res.Recovered {
					recovered = append(recovered, e)
				}
			}
		}
		return tx.Put(store.Series, s.jr.appliedKey, last)
	})
	if err != nil {
		return err
	}
	for _, e := range recovered {
		s.noteRecovered(e)
	}
	return nil
}

func appendEntries(b []byte, es []entry) ([]byte, error) {
	b = binary.AppendUvarint(b, uint64(len(es)))
	for i := range es {
		raw, err := json.Marshal(&es[i])
		if err != nil {
			return b, err
		}
		b = binary.AppendUvarint(b, uint64(len(raw)))
		b = append(b, raw...)
	}
	return b, nil
}

var errMalformed = errors.New("telemetry: journal: malformed record body")

func decodeEntries(b []byte) ([]entry, error) {
	count, k := binary.Uvarint(b)
	if k <= 0 || count > uint64(len(b)) {
		return nil, errMalformed
	}
	b = b[k:]
	out := make([]entry, count)
	for i := range out {
		l, k := binary.Uvarint(b)
		if k <= 0 || l > uint64(len(b)-k) {
			return nil, errMalformed
		}
		if err := json.Unmarshal(b[k:k+int(l)], &out[i]); err != nil {
			return nil, fmt.Errorf("%w: %w", errMalformed, err)
		}
		b = b[k+int(l):]
	}
	if len(b) != 0 {
		return nil, errMalformed
	}
	return out, nil
}

// ingestJournaled queues e for the committer and waits for its answer.
func (s *Service) ingestJournaled(e *entry) (Result, error) {
	p := &pending{e: *e}
	if err := s.jr.pl.Do(p); err != nil {
		return Result{}, ErrClosed
	}
	if p.err != nil {
		return Result{}, fmt.Errorf("telemetry: store report: %w", p.err)
	}
	return p.res, nil
}

// commit decides which of group are duplicates, journals the others and
// answers them all.
func (s *Service) commit(group []*pending) {
	jr := s.jr
	jr.prune()
	todo := make([]*pending, 0, len(group))
	inGroup := make(map[apSeq]bool, len(group))
	for _, p := range group {
		k := apSeq{p.e.AP, p.e.Seq}
		if jr.inflight[k] || inGroup[k] {
			p.res.Duplicate = true
			continue
		}
		inGroup[k] = true
		todo = append(todo, p)
	}
	var err error
	if len(todo) > 0 && jr.pl.Failing() {
		err = store.ErrUnavailable // the store is away: do not wait on it
	} else if len(todo) > 0 {
		// Opened after the in-flight check: a report that left the set
		// was in a transaction committed before this one began.
		err = s.db.View(func(tx *store.Tx) error {
			for _, p := range todo {
				dup, err := isStored(tx, p.e.AP, p.e.Seq)
				if err != nil {
					return err
				}
				p.res.Duplicate = dup
			}
			return nil
		})
	}
	if errors.Is(err, store.ErrUnavailable) {
		// The store is away: journal them all and acknowledge. The
		// applier checks the receipts again, so a resend of a report
		// already stored is counted once all the same.
		for _, p := range todo {
			p.res.Duplicate = false
		}
		err = nil
	}
	if err == nil {
		err = s.persist(todo)
	}
	if err != nil {
		for _, p := range todo {
			p.err = err
		}
	}
}

// persist appends the reports of todo that are not duplicates to the
// journal as one record, and notes them in memory.
func (s *Service) persist(todo []*pending) error {
	jr := s.jr
	var es []entry
	for _, p := range todo {
		if !p.res.Duplicate {
			es = append(es, p.e)
		}
	}
	if len(es) == 0 {
		return nil
	}
	seq, err := jr.pl.Append(es)
	if err != nil {
		return err
	}
	keys := make([]apSeq, len(es))
	for i, e := range es {
		keys[i] = apSeq{e.AP, e.Seq}
		jr.inflight[keys[i]] = true
	}
	jr.unpruned = append(jr.unpruned, journaledKeys{seq: seq, keys: keys})
	for _, p := range todo {
		if !p.res.Duplicate {
			p.res.Recovered = s.wasOffline(p.e.AP)
			s.noteStored(&p.e)
		}
	}
	return nil
}

// wasOffline guesses, from memory, whether a report recovers its AP; the
// applier decides it against bbolt when it writes the alert.
func (s *Service) wasOffline(apID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	ls := s.status[apID]
	return ls != nil && !ls.online && !ls.lastReport.IsZero()
}

// prune drops from the in-flight set the reports bbolt has now; the
// committer calls it before it checks the set.
func (jr *ingestJournal) prune() {
	done := jr.pl.LastApplied()
	n := 0
	for ; n < len(jr.unpruned) && jr.unpruned[n].seq <= done; n++ {
		for _, k := range jr.unpruned[n].keys {
			delete(jr.inflight, k)
		}
	}
	if n > 0 {
		jr.unpruned = append(jr.unpruned[:0], jr.unpruned[n:]...)
	}
}

// readBarrier waits until every report acknowledged so far is in bbolt
// (without a journal, they are already). While the applier cannot write
// (a full disk) it returns at once with an error wrapping
// journal.ErrBehind: pages then show the store as it is rather than hang,
// and /readyz says why (Health).
func (s *Service) readBarrier() error {
	if s.jr != nil {
		if err := s.jr.pl.Barrier(); err != nil {
			return fmt.Errorf("telemetry: %w", err)
		}
	}
	return nil
}

// Sync waits until every report acknowledged so far is in the DB too (a
// no-op without a journal): for readers of the DB that do not go through
// the Service, such as a backup. It fails as readBarrier does.
func (s *Service) Sync() error { return s.readBarrier() }

// Health returns why reports cannot be recorded or applied now, or nil.
func (s *Service) Health() error {
	if s.jr == nil {
		return nil
	}
	return s.jr.pl.Health()
}

// Close stops taking reports (Ingest returns ErrClosed), lets the applier
// write what is journaled to the DB, and closes the journal. Close it
// before the DB. Without a journal it does nothing.
func (s *Service) Close() error {
	if s.jr == nil {
		return nil
	}
	return s.jr.pl.Close()
}
