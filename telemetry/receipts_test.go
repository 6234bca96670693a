package telemetry_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/wifihk/wifihk/internal/store"
)

// receiptRecords counts the records in the Reports bucket.
func receiptRecords(t *testing.T, f *fixture) int {
	t.Helper()
	var n int
	f.svc.Sync() // with a journal, what is acknowledged may not be in bbolt yet
	if err := f.db.View(func(tx *store.Tx) (err error) { n, err = tx.Count(store.Reports); return err }); err != nil {
		t.Fatal(err)
	}
	return n
}

// sendWant sends report seq from AP A and checks whether the controller
// called it a duplicate.
func (f *fixture) sendWant(t *testing.T, seq uint64, dup bool) {
	t.Helper()
	code, body := f.send(t, f.tokA, report(seq, f.clock.Now(), 2))
	if want := map[bool]string{true: `"duplicate":true`, false: `"duplicate":false`}[dup]; code != 200 || !strings.Contains(body, want) {
		t.Fatalf("seq %d: got %d %s, want 200 with %s", seq, code, body, want)
	}
}

func TestIngestCountsALateReportOnceHoweverFarBehind(t *testing.T) {
	bothModes(t, func(t *testing.T, f *fixture) {
		f.sendWant(t, 200, false)
		f.sendWant(t, 100, false) // 100 behind the newest: new, so counted
		f.sendWant(t, 100, true)  // its resend is not
		f.sendWant(t, 200, true)
		f.sendWant(t, 101, false)
		f.sendWant(t, 99, false)
		st, _ := f.svc.APStatus(f.apA.ID)
		if st.Reports != 4 || st.TotalBytesUp != 4*2*1000 || st.LastSeq != 200 {
			t.Fatalf("%d reports, %d bytes up, last seq %d; want 4, 8000, 200", st.Reports, st.TotalBytesUp, st.LastSeq)
		}
		if n := receiptRecords(t, f); n != 2 {
			t.Fatalf("%d receipt records, want 2 runs (99-101, 200)", n)
		}
		// Receipts are durable: a restarted controller still knows them.
		svc2 := f.restart(t)
		for _, seq := range []uint64{99, 100, 101, 200} {
			res, err := svc2.Ingest(context.Background(), f.apA, report(seq, f.clock.Now(), 2))
			if err != nil || !res.Duplicate {
				t.Fatalf("seq %d after restart: %+v %v, want a duplicate", seq, res, err)
			}
		}
	})
}

func TestReceiptRetentionRaisesTheFloor(t *testing.T) {
	bothModes(t, func(t *testing.T, f *fixture) {
		for _, seq := range []uint64{1, 2, 3, 5} {
			f.sendWant(t, seq, false)
		}
		f.send(t, f.tokB, report(1, f.clock.Now(), 1))
		f.clock.Add(6 * 24 * time.Hour)
		f.sendWant(t, 10, false)
		f.clock.Add(2 * 24 * time.Hour) // runs 1-3 and 5 are 8 days old, 10 is 2 days old
		if _, err := f.svc.Purge(context.Background()); err != nil {
			t.Fatal(err)
		}
		if n := receiptRecords(t, f); n != 1 {
			t.Fatalf("%d receipt records after purge, want AP A's run 10 only (B's is old too)", n)
		}
		st, _ := f.svc.APStatus(f.apA.ID)
		if st.ReceiptFloor != 5 {
			t.Fatalf("receipt floor %d, want 5", st.ReceiptFloor)
		}
		f.sendWant(t, 2, true)  // forgotten, below the floor: a resend
		f.sendWant(t, 4, true)  // never stored, but an in-order agent sent it long ago or never will
		f.sendWant(t, 10, true) // still has its receipt
		f.sendWant(t, 7, false) // above the floor, never stored
		f.sendWant(t, 11, false)
		if st, _ = f.svc.APStatus(f.apA.ID); st.Reports != 7 {
			t.Fatalf("%d reports counted, want 7", st.Reports)
		}
	})
}

func TestReceiptRunsAreBounded(t *testing.T) {
	bothModes(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		const runs = 257 // one more than an AP keeps
		for i := uint64(0); i < runs; i++ {
			if _, err := f.svc.Ingest(ctx, f.apA, report(2*i+1, f.clock.Now(), 1)); err != nil {
				t.Fatal(err)
			}
		}
		if n := receiptRecords(t, f); n != runs-1 {
			t.Fatalf("%d receipt records, want %d", n, runs-1)
		}
		res, err := f.svc.Ingest(ctx, f.apA, report(1, f.clock.Now(), 1))
		if err != nil || !res.Duplicate {
			t.Fatalf("seq 1 (forgotten run): %+v %v, want a duplicate", res, err)
		}
		res, err = f.svc.Ingest(ctx, f.apA, report(2, f.clock.Now(), 1))
		if err != nil || res.Duplicate {
			t.Fatalf("seq 2 (above the floor): %+v %v, want it counted", res, err)
		}
	})
}

func TestReceiptRunsJoin(t *testing.T) {
	bothModes(t, func(t *testing.T, f *fixture) {
		for _, c := range []struct {
			seq  uint64
			runs int
		}{{5, 1}, {7, 2}, {9, 3}, {6, 2}, {8, 1}, {4, 1}, {10, 1}, {2, 2}} {
			f.sendWant(t, c.seq, false)
			if n := receiptRecords(t, f); n != c.runs {
				t.Fatalf("after seq %d: %d receipt records, want %d", c.seq, n, c.runs)
			}
		}
		for _, seq := range []uint64{2, 4, 5, 6, 7, 8, 9, 10} {
			f.sendWant(t, seq, true)
		}
		f.sendWant(t, 3, false)
		if n := receiptRecords(t, f); n != 1 {
			t.Fatalf("%d receipt records, want one run 2-10", n)
		}
	})
}
