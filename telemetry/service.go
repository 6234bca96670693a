package telemetry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/wifihk/wifihk/agent/wire"
	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/internal/store"
)

// Config configures the service. Zero fields take the defaults named.
type Config struct {
	DB *store.DB
	// MissedIntervals without a report make an AP offline. Default 3.
	MissedIntervals int
	// CheckEvery is how often offline APs are looked for. Default 10s.
	CheckEvery time.Duration
	// APRetention and VenueRetention keep 5-minute buckets this long.
	// Defaults 48h and 30 days (50,000 APs × 576 buckets is the bulk of
	// the database).
	APRetention    time.Duration
	VenueRetention time.Duration
	// AlertRetention keeps alerts this long. Default 90 days.
	AlertRetention time.Duration
	// ReceiptRetention keeps the receipts of stored reports (what makes a
	// resend a duplicate) this long after their run last grew. Reports at
	// or below a forgotten receipt are taken as stored. Default 7 days.
	ReceiptRetention time.Duration
	// JournalPath, when set, makes a report durable by an append and an
	// fdatasync to a journal file at this path (internal/journal) and
	// applies it to the DB in the background, in larger transactions; see
	// journal.go. Empty: each report is a bbolt transaction in the
	// request's path (group commit), as tests and tools use.
	JournalPath string
	// Log is quiet by default.
	Log *slog.Logger
	// OnReport, when set, is called once for each report stored (not for
	// a duplicate), with the AP's venue, the report's bucket time and its
	// clients connected now: for the usage figures. It must be quick.
	OnReport func(venue string, at time.Time, clientsNow int)
	// Now is the clock (tests). Default time.Now.
	Now func() time.Time
}

// BucketWidth is the width of a time-series bucket.
const BucketWidth = 5 * time.Minute

// Service ingests reports and keeps AP status, series and alerts.
type Service struct {
	cfg     Config
	db      *store.DB
	log     *slog.Logger
	now     func() time.Time
	metrics *Metrics
	// gzipReaders are reused by DecodeReport.
	gzipReaders sync.Pool

	mu     sync.Mutex
	status map[string]*liveStatus // by AP id

	jr *ingestJournal // nil without Config.JournalPath
}

// liveStatus is the in-memory copy of what the offline check needs.
type liveStatus struct {
	online     bool
	lastReport time.Time
	interval   time.Duration
	venue      string
}

// New loads every AP's status and returns the service; Run watches for
// offline APs and applies retention.
func New(cfg Config) (*Service, error) {
	if cfg.DB == nil {
		return nil, errors.New("telemetry: DB: required")
	}
	if cfg.MissedIntervals == 0 {
		cfg.MissedIntervals = 3
	}
	if cfg.CheckEvery == 0 {
		cfg.CheckEvery = 10 * time.Second
	}
	if cfg.APRetention == 0 {
		cfg.APRetention = 48 * time.Hour
	}
	if cfg.VenueRetention == 0 {
		cfg.VenueRetention = 30 * 24 * time.Hour
	}
	if cfg.AlertRetention == 0 {
		cfg.AlertRetention = 90 * 24 * time.Hour
	}
	if cfg.ReceiptRetention == 0 {
		cfg.ReceiptRetention = 7 * 24 * time.Hour
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MissedIntervals < 1 || cfg.CheckEvery < 0 || cfg.APRetention < BucketWidth || cfg.VenueRetention < BucketWidth ||
		cfg.ReceiptRetention < 0 {
		return nil, errors.New("telemetry: config: missed intervals, check interval or retention out of range")
	}
	s := &Service{cfg: cfg, db: cfg.DB, log: cfg.Log, now: cfg.Now, status: map[string]*liveStatus{}}
	s.metrics = newMetrics(s)
	s.follow()
	if cfg.JournalPath != "" {
		if err := s.openJournal(cfg.JournalPath); err != nil { // replays what a crash left
			return nil, err
		}
	}
	var saved []Status
	err := s.db.View(func(tx *store.Tx) (err error) {
		saved, err = store.List(tx, store.APStatus, store.Query[Status]{})
		return err
	})
	s.mu.Lock() // the feed may already be noting other nodes' changes
	for _, rec := range saved {
		s.noteRemote(rec)
	}
	s.mu.Unlock()
	if err != nil {
		if s.jr != nil {
			s.jr.pl.Close()
		}
		return nil, fmt.Errorf("telemetry: load status: %w", err)
	}
	return s, nil
}

// Status is an AP's state as stored (APStatus bucket) and as served by
// GET /api/v1/aps/{id}/status.
type Status struct {
	AP    string `json:"id"`
	Venue string `json:"hotspot"`
	// Online is true while reports arrive; false after MissedIntervals
	// without one, and for an AP that never reported.
	Online       bool      `json:"online"`
	Since        time.Time `json:"since,omitzero"` // last online/offline change
	LastReport   time.Time `json:"last_report,omitzero"`
	AgentVersion string    `json:"agent_version,omitempty"`
	IntervalS    int       `json:"interval_s,omitempty"`
	// The last report's figures.
	Clients    int    `json:"clients"`     // distinct clients in its interval
	ClientsNow int    `json:"clients_now"` // connected when it was sent
	BytesUp    uint64 `json:"bytes_up"`
	BytesDown  uint64 `json:"bytes_down"`
	// Since the AP first reported.
	TotalBytesUp   uint64 `json:"total_bytes_up"`
	TotalBytesDown uint64 `json:"total_bytes_down"`
	Reports        uint64 `json:"reports"`
	LastSeq        uint64 `json:"last_seq"` // the highest sequence stored
	// ReceiptFloor: reports at or below it are taken as stored, their
	// receipts being forgotten (older than ReceiptRetention). Agents send
	// in order, so such a report is a resend.
	ReceiptFloor uint64        `json:"receipt_floor,omitempty"`
	Gateway      string        `json:"gateway,omitempty"`
	System       *wire.APStats `json:"system,omitempty"`
}

// Result is what Ingest did.
type Result struct {
	Duplicate bool // seen before: stored once, not counted again
	Recovered bool // the AP was offline and is back
}

// Ingest stores one report from ap, durably, once per (AP, sequence): the
// report's receipt is written in the transaction that counts it. With a
// journal, the report is durable in the journal when Ingest returns, and
// is counted in the DB shortly after.
func (s *Service) Ingest(ctx context.Context, ap hotspots.AP, r *wire.Report) (Result, error) {
	now := s.now().UTC()
	e := newEntry(ap, r, now, s.bucketTime(r.End, now))
	if s.jr != nil {
		return s.ingestJournaled(&e)
	}
	var res Result
	err := s.db.Batch(func(tx *store.Tx) error {
		var err error
		res, err = applyReport(tx, &e)
		return err
	})
	if err != nil {
		return Result{}, fmt.Errorf("telemetry: store report: %w", err)
	}
	if !res.Duplicate {
		s.noteStored(&e)
	}
	if res.Recovered {
		s.noteRecovered(&e)
	}
	return res, nil
}

// entry is what storing a report needs of it, and what the journal holds
// of it: not the clients, which only the bytes and counts summarise.
type entry struct {
	AP           string       `json:"ap"`
	Venue        string       `json:"venue,omitempty"`
	At           time.Time    `json:"at"`     // received (UTC)
	Bucket       time.Time    `json:"bucket"` // its 5-minute bucket
	Seq          uint64       `json:"seq"`
	AgentVersion string       `json:"agent_version,omitempty"`
	IntervalS    int          `json:"interval_s,omitempty"`
	Gateway      string       `json:"gateway,omitempty"`
	Stats        wire.APStats `json:"stats"`
}

func newEntry(ap hotspots.AP, r *wire.Report, now, bucketAt time.Time) entry {
	return entry{AP: ap.ID, Venue: ap.Hotspot.String(), At: now, Bucket: bucketAt, Seq: r.Seq,
		AgentVersion: r.AgentVersion, IntervalS: r.IntervalS, Gateway: r.Gateway, Stats: r.AP}
}

// isStored reports whether the AP's report seq is already counted, by its
// receipts and receipt floor as tx sees them.
func isStored(tx *store.Tx, apID string, seq uint64) (bool, error) {
	var st struct {
		ReceiptFloor uint64 `json:"receipt_floor"`
	}
	if err := tx.Get(store.APStatus, apID, &st); err != nil && !errors.Is(err, store.ErrNotFound) {
		return false, err
	}
	if seq <= st.ReceiptFloor {
		return true, nil
	}
	rc, err := loadReceipts(tx, apID)
	if err != nil {
		return false, err
	}
	return rc.has(seq), nil
}

// applyReport counts e in tx, unless its receipt says it is counted
// already: the AP's status, its receipt run, its AP and venue buckets,
// and a recovered alert when it was offline. Both the direct path and the
// journal's applier (and replay) store reports with it, so applying a
// journaled report twice counts it once.
func applyReport(tx *store.Tx, e *entry) (Result, error) {
	var res Result
	var st Status
	if err := tx.Get(store.APStatus, e.AP, &st); err != nil && !errors.Is(err, store.ErrNotFound) {
		return res, err
	}
	rc, err := loadReceipts(tx, e.AP)
	if err != nil {
		return res, err
	}
	if e.Seq <= st.ReceiptFloor || rc.has(e.Seq) {
		res.Duplicate = true
		return res, nil
	}
	floor, err := rc.add(tx, e.Seq, e.At)
	if err != nil {
		return res, err
	}
	st.ReceiptFloor = max(st.ReceiptFloor, floor)
	st.LastSeq = max(st.LastSeq, e.Seq)
	if !st.Online && !st.LastReport.IsZero() {
		res.Recovered = true
		if err := addAlert(tx, Alert{AP: e.AP, Venue: e.Venue, Kind: AlertRecovered, At: e.At, LastReport: st.LastReport}); err != nil {
			return res, err
		}
	}
	if !st.Online {
		st.Since = e.At
	}
	st.AP, st.Venue, st.Online = e.AP, e.Venue, true
	if e.At.After(st.LastReport) {
		st.LastReport = e.At
	}
	st.AgentVersion, st.IntervalS, st.Gateway = e.AgentVersion, e.IntervalS, e.Gateway
	st.Clients, st.ClientsNow = e.Stats.ClientsInterval, e.Stats.ClientsNow
	st.BytesUp, st.BytesDown = e.Stats.BytesUp, e.Stats.BytesDown
	st.TotalBytesUp = addSat(st.TotalBytesUp, e.Stats.BytesUp)
	st.TotalBytesDown = addSat(st.TotalBytesDown, e.Stats.BytesDown)
	st.Reports++
	sys := e.Stats
	st.System = &sys
	if err := tx.Put(store.APStatus, e.AP, &st); err != nil {
		return res, err
	}
	if err := addToBucket(tx, apSeriesKey(e.AP, e.Bucket), e.Bucket, "", &e.Stats); err != nil {
		return res, err
	}
	if e.Venue == "" {
		return res, nil
	}
	return res, addToBucket(tx, venueSeriesKey(e.Venue, e.Bucket), e.Bucket, e.AP, &e.Stats)
}

// noteStored updates the in-memory status and the traffic metrics for a
// report that was not a duplicate.
func (s *Service) noteStored(e *entry) {
	s.mu.Lock()
	ls := s.status[e.AP]
	if ls == nil {
		ls = &liveStatus{}
		s.status[e.AP] = ls
	}
	ls.online, ls.venue = true, e.Venue
	ls.interval = time.Duration(e.IntervalS) * time.Second
	if e.At.After(ls.lastReport) {
		ls.lastReport = e.At
	}
	s.mu.Unlock()
	if s.cfg.OnReport != nil {
		s.cfg.OnReport(e.Venue, e.Bucket, e.Stats.ClientsNow)
	}
	s.metrics.bytes.WithLabelValues("up").Add(float64(e.Stats.BytesUp))
	s.metrics.bytes.WithLabelValues("down").Add(float64(e.Stats.BytesDown))
}

// noteRecovered counts and logs a recovered alert once it is stored.
func (s *Service) noteRecovered(e *entry) {
	s.metrics.alerts.WithLabelValues(AlertRecovered).Inc()
	s.log.Info("AP recovered", "ap", e.AP, "hotspot", e.Venue)
}

// bucketTime files a report under its own end time when that is plausible
// (a spooled report belongs to when it was measured), else under now.
func (s *Service) bucketTime(end, now time.Time) time.Time {
	t := end.UTC()
	if t.After(now.Add(BucketWidth)) || t.Before(now.Add(-s.cfg.APRetention)) {
		t = now
	}
	return t.Truncate(BucketWidth)
}

// APStatus returns one AP's status; an AP that never reported has a zero
// Status with its ID.
func (s *Service) APStatus(apID string) (Status, error) {
	var st Status
	s.readBarrier()
	err := s.db.View(func(tx *store.Tx) error { return tx.Get(store.APStatus, apID, &st) })
	if errors.Is(err, store.ErrNotFound) {
		return Status{AP: apID}, nil
	}
	if err != nil {
		return Status{}, fmt.Errorf("telemetry: %w", err)
	}
	st.Online = s.isOnline(apID)
	return st, nil
}

// reportedSince reports whether a report from the AP newer than last has
// been acknowledged.
func (s *Service) reportedSince(apID string, last time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	ls := s.status[apID]
	return ls != nil && ls.lastReport.After(last)
}

func (s *Service) isOnline(apID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	ls := s.status[apID]
	return ls != nil && ls.online
}

// OnlineAPs returns the IDs of the APs online now, sorted. It is the
// hotspots.APStatusSource the coverage view counts "APs online" with.
func (s *Service) OnlineAPs(context.Context) ([]string, error) {
	s.mu.Lock()
	out := make([]string, 0, len(s.status))
	for id, ls := range s.status {
		if ls.online {
			out = append(out, id)
		}
	}
	s.mu.Unlock()
	sort.Strings(out)
	return out, nil
}

// Counts returns how many APs are online and how many have reported.
func (s *Service) Counts() (online, known int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ls := range s.status {
		if ls.online {
			online++
		}
	}
	return online, len(s.status)
}

// Run checks for offline APs every CheckEvery and applies retention hourly,
// until ctx ends.
func (s *Service) Run(ctx context.Context) {
	check := time.NewTicker(s.cfg.CheckEvery)
	defer check.Stop()
	purge := time.NewTicker(time.Hour)
	defer purge.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-check.C:
			if err := s.CheckOffline(); err != nil {
				s.log.Error("offline check", "err", err)
			}
		case <-purge.C:
			if n, err := s.Purge(ctx); err != nil {
				s.log.Error("retention", "err", err)
			} else if n > 0 {
				s.log.Info("retention: old buckets and alerts removed", "records", n)
			}
		}
	}
}

// CheckOffline marks offline every online AP whose last report is more
// than MissedIntervals intervals old, and raises an alert for each.
func (s *Service) CheckOffline() error {
	now := s.now().UTC()
	type due struct {
		id   string
		last time.Time
	}
	var late []due
	s.mu.Lock()
	for id, ls := range s.status {
		interval := ls.interval
		if interval <= 0 {
			interval = time.Minute
		}
		if ls.online && now.Sub(ls.lastReport) > time.Duration(s.cfg.MissedIntervals)*interval {
			late = append(late, due{id, ls.lastReport})
		}
	}
	s.mu.Unlock()
	if len(late) > 0 {
		// The status records below must include every report acknowledged
		// so far: without that, wait for the next sweep.
		if err := s.readBarrier(); err != nil {
			return err
		}
	}
	for _, d := range late {
		var st Status
		went := false
		err := s.db.Update(func(tx *store.Tx) error {
			went = false
			if err := tx.Get(store.APStatus, d.id, &st); err != nil {
				return err
			}
			if !st.Online || st.LastReport.After(d.last) || s.reportedSince(d.id, d.last) {
				return nil // a report arrived meanwhile (perhaps only journaled yet)
			}
			st.Online, st.Since, went = false, now, true
			if err := tx.Put(store.APStatus, d.id, &st); err != nil {
				return err
			}
			return addAlert(tx, Alert{AP: d.id, Venue: st.Venue, Kind: AlertOffline, At: now, LastReport: st.LastReport})
		})
		if err != nil {
			return fmt.Errorf("telemetry: offline %s: %w", d.id, err)
		}
		if went {
			s.mu.Lock()
			if ls := s.status[d.id]; ls != nil && !ls.lastReport.After(d.last) {
				ls.online = false
			}
			s.mu.Unlock()
			s.metrics.alerts.WithLabelValues(AlertOffline).Inc()
			s.log.Warn("AP offline", "ap", d.id, "hotspot", st.Venue, "last_report", st.LastReport)
		}
	}
	return nil
}
