package telemetry_test

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/internal/datadir"
	"github.com/wifihk/wifihk/internal/store"
	"github.com/wifihk/wifihk/telemetry"
)

// newJournalFixture is a fixture whose service journals reports and whose
// applier does not run unless a reader asks for it (Sync, APStatus, …):
// what it journals stays out of bbolt, as when the process is killed
// before the applier gets to it.
func newJournalFixture(t *testing.T) *fixture {
	t.Helper()
	f := newFixtureWith(t, filepath.Join(t.TempDir(), "reports.journal"))
	telemetry.SetApplyDelay(f.svc, time.Hour)
	return f
}

// crash copies what is on disk now, bbolt's committed state and the
// journal's bytes (less cut bytes torn off its end), for a service opened
// on the copy: the controller restarted after a crash. It returns the
// copy's fixture and the journal's bytes.
func (f *fixture) crash(t *testing.T, cut int) (*fixture, []byte) {
	t.Helper()
	dir := t.TempDir()
	if _, err := f.db.BackupFile(datadir.Dir(dir).DB()); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(f.cfg.JournalPath)
	if err != nil {
		t.Fatal(err)
	}
	jpath := datadir.Dir(dir).ReportsJournal()
	if err := os.WriteFile(jpath, data[:len(data)-cut], 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Check(); err != nil {
			t.Errorf("consistency: %v", err)
		}
		db.Close()
	})
	cfg := f.cfg
	cfg.DB, cfg.JournalPath = db, jpath
	return &fixture{db: db, cfg: cfg, clock: f.clock}, data[:len(data)-cut]
}

// ingest stores report seq from ap and says whether it was a duplicate.
func ingest(t *testing.T, svc *telemetry.Service, ap hotspots.AP, seq uint64, now time.Time) bool {
	t.Helper()
	res, err := svc.Ingest(context.Background(), ap, report(seq, now, 2))
	if err != nil {
		t.Fatalf("%s seq %d: %v", ap.ID, seq, err)
	}
	return res.Duplicate
}

// counted checks that svc counts exactly reports reports of 2 clients from
// ap, in its status and in its AP and venue buckets.
func counted(t *testing.T, svc *telemetry.Service, ap hotspots.AP, reports int, now time.Time) {
	t.Helper()
	st, err := svc.APStatus(ap.ID)
	if err != nil {
		t.Fatal(err)
	}
	if st.Reports != uint64(reports) || st.TotalBytesUp != uint64(reports)*2*1000 {
		t.Fatalf("%s status: %d reports, %d bytes up; want %d", ap.ID, st.Reports, st.TotalBytesUp, reports)
	}
	b, err := svc.APSeries(ap.ID, now.Add(-time.Hour), now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	v, err := svc.VenueSeries(ap.Hotspot.String(), now.Add(-time.Hour), now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != 1 || b[0].Reports != reports || b[0].BytesUp != uint64(reports)*2*1000 || len(v) != 1 || v[0].Reports != reports {
		t.Fatalf("%s buckets: AP %+v, venue %+v; want one each with %d reports", ap.ID, b, v, reports)
	}
}

// TestJournalReplaysWhatBboltMissed acknowledges reports, some applied to
// bbolt and the rest only journaled, then restarts from what a crash
// leaves on disk: every acknowledged report is counted exactly once.
func TestJournalReplaysWhatBboltMissed(t *testing.T) {
	f := newJournalFixture(t)
	now := f.clock.Now()
	for seq := uint64(1); seq <= 10; seq++ {
		ingest(t, f.svc, f.apA, seq, now)
	}
	f.svc.Sync() // 1-10 reach bbolt, with the last record applied
	for seq := uint64(11); seq <= 30; seq++ {
		for _, ap := range []hotspots.AP{f.apA, f.apB} {
			if ingest(t, f.svc, ap, seq, now) {
				t.Fatalf("%s seq %d: a duplicate", ap.ID, seq)
			}
		}
	}
	var held int
	f.db.View(func(tx *store.Tx) error { held, _ = tx.Count(store.Reports); return nil })
	if held != 1 { // A's run 1-10; B has none
		t.Fatalf("%d receipt runs in bbolt before the crash; the test proves nothing", held)
	}

	after, journal := f.crash(t, 0)
	svc := after.open(t)
	counted(t, svc, f.apA, 30, now)
	counted(t, svc, f.apB, 20, now)
	for _, seq := range []uint64{1, 10, 11, 30} {
		if !ingest(t, svc, f.apA, seq, now) {
			t.Fatalf("seq %d after the restart: counted again", seq)
		}
	}
	if ingest(t, svc, f.apA, 31, now) {
		t.Fatal("seq 31 after the restart: a duplicate")
	}
	counted(t, svc, f.apA, 31, now)

	// The journal replayed again onto the DB that has it all (as when the
	// power goes before replay has emptied it) counts nothing twice.
	if err := svc.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(after.cfg.JournalPath, journal, 0o600); err != nil {
		t.Fatal(err)
	}
	svc = after.open(t)
	counted(t, svc, f.apA, 31, now)
	counted(t, svc, f.apB, 20, now)
}

// TestReplayForTools: a tool that opens the DB of a stopped server (a
// backup) applies what the journal holds without running the ingest.
func TestReplayForTools(t *testing.T) {
	f := newJournalFixture(t)
	now := f.clock.Now()
	for seq := uint64(1); seq <= 3; seq++ {
		ingest(t, f.svc, f.apA, seq, now)
	}
	after, _ := f.crash(t, 0)
	if err := telemetry.Replay(after.db, after.cfg.JournalPath, nil); err != nil {
		t.Fatal(err)
	}
	after.cfg.JournalPath = "" // no journal: what it reads is in bbolt
	counted(t, after.open(t), f.apA, 3, now)
}

// TestJournalResendInFlight: a resend of a report journaled but not yet
// applied is a duplicate, and stays one once applied and after a restart;
// of many copies arriving together, one is counted.
func TestJournalResendInFlight(t *testing.T) {
	f := newJournalFixture(t)
	now := f.clock.Now()
	if ingest(t, f.svc, f.apA, 5, now) {
		t.Fatal("first copy: a duplicate")
	}
	if !ingest(t, f.svc, f.apA, 5, now) {
		t.Fatal("resend while the first copy is only journaled: counted")
	}
	var fresh sync.WaitGroup
	var mu sync.Mutex
	stored := 0
	for range 20 { // copies of 6 race into one group or several
		fresh.Go(func() {
			if !ingest(t, f.svc, f.apB, 6, now) {
				mu.Lock()
				stored++
				mu.Unlock()
			}
		})
	}
	fresh.Wait()
	if stored != 1 {
		t.Fatalf("%d of 20 concurrent copies counted", stored)
	}
	var inBbolt bool
	f.db.View(func(tx *store.Tx) error { inBbolt = tx.Has(store.APStatus, f.apA.ID); return nil })
	if inBbolt {
		t.Fatal("the report reached bbolt early; the test proves nothing")
	}
	f.svc.Sync()
	if !ingest(t, f.svc, f.apA, 5, now) || !ingest(t, f.svc, f.apB, 6, now) {
		t.Fatal("resend after the apply: counted")
	}
	counted(t, f.svc, f.apA, 1, now)
	counted(t, f.svc, f.apB, 1, now)
	svc := f.restart(t)
	if !ingest(t, svc, f.apA, 5, now) || !ingest(t, svc, f.apB, 6, now) {
		t.Fatal("resend after a restart: counted")
	}
	counted(t, svc, f.apA, 1, now)
}

// TestJournalTornTail: a record cut short by a crash (never acknowledged)
// is ignored on replay; the ones before it count.
func TestJournalTornTail(t *testing.T) {
	f := newJournalFixture(t)
	now := f.clock.Now()
	for seq := uint64(1); seq <= 5; seq++ {
		ingest(t, f.svc, f.apA, seq, now) // one record each: each waits for its answer
	}
	after, _ := f.crash(t, 3)
	svc := after.open(t)
	counted(t, svc, f.apA, 4, now)
	if ingest(t, svc, f.apA, 5, now) {
		t.Fatal("the torn report, sent again: a duplicate")
	}
	counted(t, svc, f.apA, 5, now)
}

// TestJournalClose: Close applies what is journaled, and Ingest after it
// fails rather than acknowledging what nobody will store.
func TestJournalClose(t *testing.T) {
	f := newJournalFixture(t)
	now := f.clock.Now()
	ingest(t, f.svc, f.apA, 1, now)
	if err := f.svc.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Ingest(context.Background(), f.apA, report(2, now, 1)); err == nil {
		t.Fatal("Ingest after Close succeeded")
	}
	var st telemetry.Status
	if err := f.db.View(func(tx *store.Tx) error { return tx.Get(store.APStatus, f.apA.ID, &st) }); err != nil || st.Reports != 1 {
		t.Fatalf("after Close: %+v, %v", st, err)
	}
}
