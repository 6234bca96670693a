package journal

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// ErrClosed is returned by Submit and Ticket.Wait once the pipeline is
// closed: the request was not handled, and nothing of it is acknowledged.
var ErrClosed = errors.New("journal: pipeline closed")

// Config is what a Pipeline's user supplies: what a group of requests
// writes (Commit), how a record is stored in the journal (Encode, Decode)
// and how it reaches the store (Apply, Applied). Zero tuning fields take
// the defaults named.
type Config[Q, R any] struct {
	// Path is the journal file. Empty: no journal; Append applies each
	// record at once, in the committer's path (group commit straight to
	// the store), and Wait and Barrier return at once.
	Path string

	// Commit handles a group: the requests that queued up while the
	// previous group was being committed, in order. It runs on the one
	// committer goroutine, decides what the group writes, makes it durable
	// with Append (typically once, so the group costs one fdatasync) and
	// sets each request's answer. The group's callers are acknowledged
	// when it returns.
	Commit func(group []Q)

	// Encode appends r's journal body to b; Decode reads one back. A body
	// that does not decode (a bug: the checksum rules out a torn write)
	// ends replay as a torn record does.
	Encode func(b []byte, r R) ([]byte, error)
	Decode func(body []byte) (R, error)

	// Apply writes records to the store in one transaction that also
	// stores last, the sequence number of the last of them, for Applied to
	// read back (last is 0 without a journal: nothing to note). It must be
	// idempotent: after a crash, records it applied may be applied again.
	// The applier retries an error (the records are safe in the journal);
	// without a journal Append returns it.
	Apply func(recs []R, last uint64) error
	// Applied returns the last sequence number Apply stored, 0 if none.
	Applied func() (uint64, error)

	// Weight is how much of MaxApply a record counts for. Default 1.
	Weight func(R) int
	// MaxGroup caps the requests in one group. Default 4096.
	MaxGroup int
	// MaxApply caps the weight of the records one Apply writes. Default 4096.
	MaxApply int
	// Delay is how long the applier lets records gather before it writes
	// them: the longer, the fewer store transactions for the same records.
	// A reader that waits (Wait, Barrier) cuts it short, and so does Close.
	Delay time.Duration
	// ResetAt is the journal size beyond which Append waits for the
	// applier to catch up and empties the journal. Default 8 MiB. While
	// the store is failing Append does not wait but lets the journal grow,
	// so that requests are still acknowledged, up to MaxSize; beyond it
	// Append waits for the store. Default MaxSize: 512 MiB.
	ResetAt int64
	MaxSize int64

	// Name names the journal in log messages ("accounting journal").
	Name string
	// Log receives replay warnings and apply failures; quiet by default.
	Log *slog.Logger
}

// queueLen is how many requests, and how many records for the applier,
// may wait in line before Submit or Append blocks.
const queueLen = 8192

// Pipeline is a write-ahead pipeline for records of type R, fed with
// requests of type Q (usually pointers, so Commit can set their answers):
//
//   - Submit queues a request; one committer goroutine hands everything
//     queued meanwhile, as one group, to Config.Commit;
//   - Commit calls Append, which writes a record to the journal with one
//     fdatasync and hands it to the applier;
//   - the group's callers are acknowledged (Ticket.Wait, Do return nil);
//   - one applier goroutine writes the records to the store with
//     Config.Apply, in batches gathered for Config.Delay;
//   - readers that must see every acknowledged record call Barrier (or
//     Wait for one record), which hurries the applier;
//   - OpenPipeline first applies the records a crash left in the journal
//     after the last one the store has (replay), then empties the journal;
//   - Close stops taking requests, lets the applier write everything
//     journaled, and closes the journal.
//
// What Commit appended for an acknowledged request is on disk, and reaches
// the store by the applier or, after a crash, by replay; Close loses none
// of it. Submit, Do, Wait, Barrier, LastApplied and Close are safe for
// concurrent use; Append only from Commit.
type Pipeline[Q, R any] struct {
	cfg   Config[Q, R]
	j     *Journal // nil without a journal
	delay atomic.Int64

	queue    chan queued[Q]
	start    sync.Once     // the committer starts with the first Submit
	stop     chan struct{} // closed by Close
	stopped  chan struct{} // closed when the committer has stopped
	progress *Progress

	// Committer only.
	seq   uint64 // last record journaled
	body  []byte // the record being appended
	dirty bool   // an append failed: empty the journal before the next
	// health is what Health reports (health.go).
	health health

	applyQ  chan applying[R]
	applied chan struct{} // closed when the applier has stopped

	backlog backlog // between Append and the applier (backlog.go)

	closeOnce sync.Once
	closeErr  error
}

type queued[Q any] struct {
	q    Q
	done chan struct{}
}

type applying[R any] struct {
	seq uint64
	r   R
}

// OpenPipeline opens the journal at cfg.Path (if any), replays it into the
// store and empties it, and returns the pipeline, its applier running.
func OpenPipeline[Q, R any](cfg Config[Q, R]) (*Pipeline[Q, R], error) {
	if cfg.Commit == nil || cfg.Apply == nil || (cfg.Path != "" && (cfg.Encode == nil || cfg.Decode == nil || cfg.Applied == nil)) {
		return nil, errors.New("journal: pipeline config: Commit and Apply required, and Encode, Decode and Applied with a Path")
	}
	if cfg.Weight == nil {
		cfg.Weight = func(R) int { return 1 }
	}
	if cfg.MaxGroup <= 0 {
		cfg.MaxGroup = 4096
	}
	if cfg.MaxApply <= 0 {
		cfg.MaxApply = 4096
	}
	if cfg.ResetAt <= 0 {
		cfg.ResetAt = 8 << 20
	}
	if cfg.MaxSize <= 0 {
		cfg.MaxSize = max(512<<20, cfg.ResetAt)
	}
	if cfg.Name == "" {
		cfg.Name = "journal"
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	p := &Pipeline[Q, R]{cfg: cfg, queue: make(chan queued[Q], queueLen),
		stop: make(chan struct{}), stopped: make(chan struct{}), applied: make(chan struct{})}
	p.delay.Store(int64(cfg.Delay))
	if cfg.Path == "" {
		p.progress = NewProgress(0)
		close(p.applied) // no applier
		return p, nil
	}
	j, raw, err := Open(cfg.Path)
	if err != nil {
		return nil, err
	}
	if err := j.TornTail(); err != nil { // a crash while appending: never acknowledged
		cfg.Log.Warn(cfg.Name+": replaying the records before a torn tail", "path", cfg.Path, "err", err)
	}
	last, err := p.replay(raw)
	if err == nil {
		err = j.Reset()
	}
	if err != nil {
		j.Close()
		return nil, fmt.Errorf("journal: %s: %w", cfg.Path, err)
	}
	p.j, p.seq, p.progress = j, last, NewProgress(last)
	p.health.init(cfg.Path, func(msg string, args ...any) { cfg.Log.Warn(cfg.Name+": "+msg, args...) })
	p.applyQ = make(chan applying[R], queueLen)
	go p.applyLoop()
	return p, nil
}

// replay applies the records after the last one the store has, MaxApply
// at a time, and returns the last sequence number used.
func (p *Pipeline[Q, R]) replay(raw []Record) (uint64, error) {
	applied, err := p.cfg.Applied()
	if err != nil {
		return 0, fmt.Errorf("replay: %w", err)
	}
	var todo []R
	n := 0
	flush := func(last uint64) error {
		if len(todo) == 0 {
			return nil
		}
		if err := p.cfg.Apply(todo, last); err != nil {
			return fmt.Errorf("replay: %w", err)
		}
		applied, todo, n = last, todo[:0], 0
		return nil
	}
	var prev uint64
	for _, rec := range raw {
		if rec.Seq <= applied {
			continue
		}
		r, err := p.cfg.Decode(rec.Body)
		if err != nil { // its checksum makes this a bug, not a crash
			p.cfg.Log.Error(p.cfg.Name+": replaying the records before one that does not decode", "path", p.cfg.Path, "seq", rec.Seq, "err", err)
			break
		}
		todo = append(todo, r)
		n += p.cfg.Weight(r)
		prev = rec.Seq
		if n >= p.cfg.MaxApply {
			if err := flush(prev); err != nil {
				return 0, err
			}
		}
	}
	if err := flush(prev); err != nil {
		return 0, err
	}
	return applied, nil
}

// SetDelay changes Config.Delay, from the next batch the applier gathers
// on; a test holds the applier back with a long one, as when the process
// is killed before it runs.
func (p *Pipeline[Q, R]) SetDelay(d time.Duration) { p.delay.Store(int64(d)) }

// Ticket is a submitted request's place in line.
type Ticket struct {
	done    chan struct{}
	stopped <-chan struct{}
}

// Wait waits until the request's group is committed (nil: its answer is
// set, and what Commit appended for it is on disk) or the pipeline is
// closed before it got to the request (ErrClosed).
func (t Ticket) Wait() error {
	select {
	case <-t.done:
		return nil
	case <-t.stopped:
		select {
		case <-t.done: // committed just before the committer stopped
			return nil
		default:
			return ErrClosed
		}
	}
}

// Submit queues q for the committer, waiting for room in the queue if
// need be; Wait on the ticket for its acknowledgement. Submitting several
// requests before waiting lets them join one group.
func (p *Pipeline[Q, R]) Submit(q Q) (Ticket, error) {
	p.start.Do(func() { go p.commitLoop() })
	select {
	case <-p.stopped:
		return Ticket{}, ErrClosed
	default:
	}
	t := Ticket{done: make(chan struct{}), stopped: p.stopped}
	select {
	case p.queue <- queued[Q]{q: q, done: t.done}:
		return t, nil
	case <-p.stopped:
		return Ticket{}, ErrClosed
	}
}

// Do submits q and waits for its acknowledgement.
func (p *Pipeline[Q, R]) Do(q Q) error {
	t, err := p.Submit(q)
	if err != nil {
		return err
	}
	return t.Wait()
}

func (p *Pipeline[Q, R]) commitLoop() {
	defer close(p.stopped)
	group := make([]Q, 0, 64)
	dones := make([]chan struct{}, 0, 64)
	for {
		select {
		case x := <-p.queue:
			group, dones = append(group[:0], x.q), append(dones[:0], x.done)
		case <-p.stop:
			return
		}
	drain:
		for len(group) < p.cfg.MaxGroup {
			select {
			case x := <-p.queue:
				group, dones = append(group, x.q), append(dones, x.done)
			default:
				break drain
			}
		}
		p.cfg.Commit(group)
		for _, d := range dones {
			close(d)
		}
		clear(group) // let the requests go
		clear(dones)
	}
}

// Append makes r durable and returns its sequence number: it appends r to
// the journal with one fdatasync and hands it to the applier. Without a
// journal it applies r to the store at once and returns 0. Call it only
// from Commit. After an error r is not acknowledged: it may or may not
// reach the store.
func (p *Pipeline[Q, R]) Append(r R) (uint64, error) {
	if p.j == nil {
		return 0, p.cfg.Apply([]R{r}, 0)
	}
	if size := p.j.Size(); p.dirty || size > p.cfg.ResetAt && (size > p.cfg.MaxSize || !p.backlog.isFailing() ||
		p.progress.LastApplied() == p.seq) {
		if err := p.resetWhenApplied(); err != nil {
			return 0, err
		}
	}
	var err error
	if p.body, err = p.cfg.Encode(p.body[:0], r); err != nil {
		return 0, fmt.Errorf("journal: encode: %w", err)
	}
	seq := p.seq + 1
	if err := p.j.Append(seq, p.body); err != nil {
		// The file may hold part of the record, or all of it unsynced;
		// the next Append starts a clean one once the store has
		// everything acknowledged.
		p.dirty = true
		p.health.writeFailed(err)
		return 0, err
	}
	p.health.writeOK()
	p.seq = seq
	p.backlog.add(seq, len(p.body), time.Now())
	p.progress.MarkJournaled(seq)
	p.applyQ <- applying[R]{seq: seq, r: r}
	return seq, nil
}

// resetWhenApplied empties the journal once the store has every record
// in it. While the applier cannot write it fails at once rather than
// hold the committer: the request is not acknowledged, and the journal
// keeps what it has.
func (p *Pipeline[Q, R]) resetWhenApplied() error {
	if err := p.progress.Wait(p.seq); err != nil {
		return fmt.Errorf("journal: %s not emptied: %w", p.cfg.Name, err)
	}
	if err := p.j.Reset(); err != nil {
		p.health.writeFailed(err)
		return err
	}
	p.dirty = false
	return nil
}

// applyLoop writes journaled records to the store, as many at once as
// gathered in Delay (cut short by a waiting reader or by Close). A failed
// Apply is retried: the records are safe in the journal meanwhile.
func (p *Pipeline[Q, R]) applyLoop() {
	defer close(p.applied)
	var batch []R
	for a := range p.applyQ {
		t := time.NewTimer(time.Duration(p.delay.Load()))
		select { // let records gather, unless a reader is waiting
		case <-t.C:
		case <-p.progress.Hurry():
		case <-p.stop:
		}
		t.Stop()
		batch = append(batch[:0], a.r)
		last, n := a.seq, p.cfg.Weight(a.r)
	drain:
		for n < p.cfg.MaxApply {
			select {
			case a, ok := <-p.applyQ:
				if !ok {
					break drain
				}
				batch = append(batch, a.r)
				last, n = a.seq, n+p.cfg.Weight(a.r)
			default:
				break drain
			}
		}
		if !p.applyRetrying(batch, last) {
			p.cfg.Log.Warn(p.cfg.Name + ": closing while the store fails; the records not applied stay in the journal for the next start")
			for range p.applyQ { // closed by Close
			}
			return
		}
		clear(batch)
		p.progress.MarkApplied(last)
	}
}

// applyRetrying applies batch, retrying while the store fails: the
// records are safe in the journal meanwhile. After Close it gives up,
// returning false, once three attempts have failed.
func (p *Pipeline[Q, R]) applyRetrying(batch []R, last uint64) bool {
	for failures := 0; ; failures++ {
		err := p.cfg.Apply(batch, last)
		p.backlog.applied(last, err == nil)
		if err == nil {
			if failures > 0 {
				p.cfg.Log.Info(p.cfg.Name+": the store answers again; applying the backlog", "failed_attempts", failures)
			}
			return true
		}
		if failures%100 == 0 { // once, then every 100 attempts
			p.cfg.Log.Error("applying the "+p.cfg.Name+" to the store failed; acknowledged records wait in the journal, retrying",
				"err", err, "backlog_records", p.backlog.get().Records)
		}
		p.progress.MarkFailing(err)
		select {
		case <-p.stop:
			if failures >= 2 {
				return false
			}
		default:
		}
		time.Sleep(retryDelay(failures))
	}
}

// retryDelay is how long the applier waits before its next attempt after
// failures failed ones: 100 ms at first, to ride out a blip, then 500 ms,
// which spares a store that is down and still finds one that is back (or a
// disk with room again) within half a second.
func retryDelay(failures int) time.Duration {
	if failures < 10 {
		return 100 * time.Millisecond
	}
	return 500 * time.Millisecond
}

// Wait waits until record seq is in the store, hurrying the applier, or
// until the pipeline is closed. While the applier cannot write it returns
// at once with an error wrapping ErrBehind.
func (p *Pipeline[Q, R]) Wait(seq uint64) error { return p.progress.Wait(seq) }

// Barrier waits until every record journaled so far is in the store:
// for readers that must see every acknowledged request. It fails as Wait
// does.
func (p *Pipeline[Q, R]) Barrier() error { return p.progress.Barrier() }

// BarrierOrFailing is Barrier that returns false instead of waiting on
// while the applier fails: for a committer that must not stop answering
// during an outage of the store.
func (p *Pipeline[Q, R]) BarrierOrFailing() bool { return p.progress.BarrierOrFailing() }

// LastApplied returns the sequence number of the last record in the store.
func (p *Pipeline[Q, R]) LastApplied() uint64 { return p.progress.LastApplied() }

// Journaled reports whether the pipeline has a journal file.
func (p *Pipeline[Q, R]) Journaled() bool { return p.j != nil }

// Close stops the committer (requests it has not taken get ErrClosed), lets
// the applier write every record journaled, and closes the journal. It
// returns the journal's Close error; calling it again does nothing.
func (p *Pipeline[Q, R]) Close() error {
	p.closeOnce.Do(func() {
		p.start.Do(func() { close(p.stopped) }) // never started: nor will it
		close(p.stop)
		<-p.stopped
		if p.j == nil {
			p.progress.Stop()
			return
		}
		close(p.applyQ)
		<-p.applied
		p.progress.Stop()
		p.health.stop()
		p.closeErr = p.j.Close()
	})
	return p.closeErr
}
