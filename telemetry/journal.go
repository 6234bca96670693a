package telemetry

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/wifihk/wifihk/internal/journal"
	"github.com/wifihk/wifihk/internal/store"
)

// With Config.JournalPath, a report is made durable as accounting is
// (accounting): Ingest hands it to one committer goroutine, which
// takes every report queued meanwhile, decides which are duplicates,
// appends the others to the journal as one record with one fdatasync,
// and answers. An applier then writes the records to bbolt with
// applyReport, the function the direct path uses, gathering them for
// applyDelay so that one transaction carries hundreds of reports instead
// of a handful; each transaction also stores the sequence number of the
// last record it applied (appliedKey). On start-up the records after that
// one are applied again (replay), and the journal is emptied.
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

// appliedKey, in the Series bucket, holds the sequence number of the last
// journal record applied. Series keys start "ap/" or "venue/", so no scan
// of the series meets it.
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
	j     *journal.Journal
	queue chan *pending
	stop  chan struct{} // closed by Close
	// closed is closed when the committer has stopped.
	closed    chan struct{}
	closeOnce sync.Once

	// Committer only.
	seq      uint64          // last record journaled
	body     []byte          // the record being appended
	inflight map[apSeq]bool  // reports journaled, perhaps not applied
	unpruned []journaledKeys // inflight's records, in order

	applyQ   chan applyRecord
	applied  chan struct{} // closed when the applier has stopped
	delay    time.Duration // applyDelay; tests hold the applier back with a long one
	progress *journal.Progress
}

type apSeq struct {
	ap  string
	seq uint64
}

type journaledKeys struct {
	seq  uint64
	keys []apSeq
}

type applyRecord struct {
	seq     uint64
	entries []entry
}

// pending is one Ingest call waiting for the committer.
type pending struct {
	e    entry
	res  Result
	err  error
	done chan struct{}
}

// openJournal opens the journal, applies to bbolt the records a crash
// left in it, and empties it. New starts the goroutines once it has read
// the status records.
func (s *Service) openJournal(path string) error {
	j, raw, err := journal.Open(path)
	if err != nil {
		return fmt.Errorf("telemetry: %w", err)
	}
	if err := j.TornTail(); err != nil { // a crash while appending: never acknowledged
		s.log.Warn("report journal: replaying the records before a torn tail", "path", path, "err", err)
	}
	last, err := s.replay(raw)
	if err == nil {
		err = j.Reset()
	}
	if err != nil {
		j.Close()
		return fmt.Errorf("telemetry: journal %s: %w", path, err)
	}
	jr := &ingestJournal{j: j, queue: make(chan *pending, 8192), stop: make(chan struct{}), closed: make(chan struct{}),
		seq: last, inflight: map[apSeq]bool{}, applyQ: make(chan applyRecord, 8192), applied: make(chan struct{}),
		delay: applyDelay, progress: journal.NewProgress(last)}
	s.jr = jr
	return nil
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
	return s.jr.j.Close()
}

// replay applies the records bbolt has not got yet and returns the last
// sequence number used.
func (s *Service) replay(raw []journal.Record) (uint64, error) {
	var applied uint64
	err := s.db.View(func(tx *store.Tx) error {
		if err := tx.Get(store.Series, appliedKey, &applied); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	var todo []applyRecord
	n := 0
	for _, r := range raw {
		if r.Seq <= applied {
			continue
		}
		entries, err := decodeEntries(r.Body)
		if err != nil { // its checksum makes this a bug, not a crash
			s.log.Error("report journal: replaying the records before one that does not decode", "seq", r.Seq, "err", err)
			break
		}
		todo = append(todo, applyRecord{seq: r.Seq, entries: entries})
		n += len(entries)
		if n >= maxApply {
			if err := s.applyRecords(todo); err != nil {
				return 0, err
			}
			applied, todo, n = r.Seq, todo[:0], 0
		}
	}
	if len(todo) > 0 {
		if err := s.applyRecords(todo); err != nil {
			return 0, err
		}
		applied = todo[len(todo)-1].seq
	}
	return applied, nil
}

// applyRecords writes records to bbolt in one transaction that also notes
// the last one applied.
func (s *Service) applyRecords(recs []applyRecord) error {
	var recovered []*entry
	err := s.db.Update(func(tx *store.Tx) error {
		recovered = recovered[:0]
		for i := range recs {
			for k := range recs[i].entries {
				e := &recs[i].entries[k]
				res, err := applyReport(tx, e)
				if err != nil {
					return fmt.Errorf("%s seq %d: %w", e.AP, e.Seq, err)
				}
				if res.Recovered {
					recovered = append(recovered, e)
				}
			}
		}
		return tx.Put(store.Series, appliedKey, recs[len(recs)-1].seq)
	})
	if err != nil {
		return err
	}
	for _, e := range recovered {
		s.noteRecovered(e)
	}
	return nil
}

func appendEntries(b []byte, es []*entry) ([]byte, error) {
	b = binary.AppendUvarint(b, uint64(len(es)))
	for _, e := range es {
		raw, err := json.Marshal(e)
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
	jr := s.jr
	p := &pending{e: *e, done: make(chan struct{})}
	select {
	case jr.queue <- p:
	case <-jr.closed:
		return Result{}, ErrClosed
	}
	select {
	case <-p.done:
	case <-jr.closed:
		return Result{}, ErrClosed
	}
	if p.err != nil {
		return Result{}, fmt.Errorf("telemetry: store report: %w", p.err)
	}
	return p.res, nil
}

// commitLoop journals, as one record each, the reports that queued up
// while the previous record was being synced.
func (s *Service) commitLoop() {
	jr := s.jr
	defer close(jr.closed)
	group := make([]*pending, 0, maxGroup)
	for {
		select {
		case p := <-jr.queue:
			group = append(group[:0], p)
		case <-jr.stop:
			return
		}
	drain:
		for len(group) < maxGroup {
			select {
			case p := <-jr.queue:
				group = append(group, p)
			default:
				break drain
			}
		}
		s.commit(group)
	}
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
	if len(todo) > 0 {
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
	var rec applyRecord
	if err == nil {
		rec, err = s.persist(todo)
	}
	if err != nil {
		for _, p := range todo {
			p.err = err
		}
	} else if len(rec.entries) > 0 {
		jr.applyQ <- rec
	}
	for _, p := range group {
		close(p.done)
	}
}

// persist appends the reports of todo that are not duplicates to the
// journal as one record, and notes them in memory.
func (s *Service) persist(todo []*pending) (applyRecord, error) {
	jr := s.jr
	var es []*entry
	for _, p := range todo {
		if !p.res.Duplicate {
			es = append(es, &p.e)
		}
	}
	if len(es) == 0 {
		return applyRecord{}, nil
	}
	if jr.j.Size() > journalReset {
		jr.progress.Wait(jr.seq)
		if err := jr.j.Reset(); err != nil {
			return applyRecord{}, err
		}
	}
	var err error
	if jr.body, err = appendEntries(jr.body[:0], es); err != nil {
		return applyRecord{}, err
	}
	seq := jr.seq + 1
	if err := jr.j.Append(seq, jr.body); err != nil {
		// The file may hold part of the record, or all of it unsynced;
		// start a clean one once bbolt has everything acknowledged.
		jr.progress.Wait(jr.seq)
		if rerr := jr.j.Reset(); rerr != nil {
			s.log.Error("report journal could not be emptied after a failed write", "err", rerr)
		}
		return applyRecord{}, err
	}
	jr.seq = seq
	rec := applyRecord{seq: seq, entries: make([]entry, len(es))}
	keys := make([]apSeq, len(es))
	for i, e := range es {
		rec.entries[i], keys[i] = *e, apSeq{e.AP, e.Seq}
		jr.inflight[keys[i]] = true
	}
	jr.unpruned = append(jr.unpruned, journaledKeys{seq: seq, keys: keys})
	jr.progress.MarkJournaled(seq)
	for _, p := range todo {
		if !p.res.Duplicate {
			p.res.Recovered = s.wasOffline(p.e.AP)
			s.noteStored(&p.e)
		}
	}
	return rec, nil
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
	done := jr.progress.LastApplied()
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

// applyLoop writes journaled records to bbolt, as many at once as
// gathered in applyDelay (or until a reader hurries it). A failed commit
// is retried: the records are safe in the journal meanwhile.
func (s *Service) applyLoop() {
	jr := s.jr
	defer close(jr.applied)
	batch := make([]applyRecord, 0, 64)
	for r := range jr.applyQ {
		t := time.NewTimer(jr.delay)
		select { // let records gather, unless a reader is waiting
		case <-t.C:
		case <-jr.progress.Hurry():
		case <-jr.stop:
		}
		t.Stop()
		batch = append(batch[:0], r)
		n := len(r.entries)
	drain:
		for n < maxApply {
			select {
			case r, ok := <-jr.applyQ:
				if !ok {
					break drain
				}
				batch = append(batch, r)
				n += len(r.entries)
			default:
				break drain
			}
		}
		for {
			err := s.applyRecords(batch)
			if err == nil {
				break
			}
			s.log.Error("applying the report journal to the store failed; retrying", "err", err)
			time.Sleep(100 * time.Millisecond)
		}
		jr.progress.MarkApplied(batch[len(batch)-1].seq)
	}
}

// readBarrier waits until every report acknowledged so far is in bbolt
// (without a journal, they are already).
func (s *Service) readBarrier() {
	if s.jr != nil {
		s.jr.progress.Barrier()
	}
}

// Sync waits until every report acknowledged so far is in the DB too (a
// no-op without a journal): for readers of the DB that do not go through
// the Service, such as a backup.
func (s *Service) Sync() { s.readBarrier() }

// Close stops taking reports (Ingest returns ErrClosed), lets the applier
// write what is journaled to the DB, and closes the journal. Close it
// before the DB. Without a journal it does nothing.
func (s *Service) Close() error {
	jr := s.jr
	if jr == nil {
		return nil
	}
	var err error
	jr.closeOnce.Do(func() {
		close(jr.stop)
		<-jr.closed
		close(jr.applyQ)
		<-jr.applied
		jr.progress.Stop()
		err = jr.j.Close()
	})
	return err
}
