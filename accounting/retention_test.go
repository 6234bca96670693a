package accounting_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/wifihk/wifihk/accounting"
	"github.com/wifihk/wifihk/internal/store"
	"github.com/wifihk/wifihk/internal/storetest"
)

// t0 is the fake clock's start; tests give every packet its time.
var t0 = time.Date(2026, 1, 10, 8, 0, 0, 0, time.UTC)

func mustApply(t *testing.T, st *accounting.Store, u accounting.Update) {
	t.Helper()
	if u.NAS == "" {
		u.NAS = "nas1"
	}
	if _, err := st.Apply(u); err != nil {
		t.Fatal(err)
	}
}

func mustGet(t *testing.T, st *accounting.Store, id string) accounting.Session {
	t.Helper()
	ss, err := st.Get(id)
	if err != nil {
		t.Fatal(err)
	}
	return ss
}

func openIDs(t *testing.T, st *accounting.Store) []string {
	t.Helper()
	all, err := st.List(true, 0)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, ss := range all {
		ids = append(ids, ss.ID)
	}
	return ids
}

// fiveMinutes gives every session a 5-minute interim interval, except
// those of plan "none", which have none.
var fiveMinutes = accounting.StaleRule{Interim: func(ss accounting.Session) time.Duration {
	if ss.Plan() == "none" {
		return 0
	}
	return 5 * time.Minute
}}

func TestStaleSessionsCloseAndReopen(t *testing.T) { bothModes(t, testStaleSessionsCloseAndReopen) }

func testStaleSessionsCloseAndReopen(t *testing.T, st *accounting.Store) {
	ctx := context.Background()
	start := func(id, ip, plan string) {
		mustApply(t, st, accounting.Update{AcctID: id, Status: accounting.Start, Username: "u-" + id,
			FramedIP: ip, Class: "whk1:g:" + plan, At: t0})
	}
	start("silent", "10.0.0.1", "p")
	start("alive", "10.0.0.2", "p")
	start("noint", "10.0.0.3", "none")
	mustApply(t, st, accounting.Update{AcctID: "alive", Status: accounting.Interim, SessionTime: 840, At: t0.Add(14 * time.Minute)})

	// 15 minutes is three intervals exactly: not yet stale.
	if n, err := st.CloseStale(ctx, fiveMinutes, t0.Add(15*time.Minute)); err != nil || n != 0 {
		t.Fatalf("at 15m: closed %d, %v", n, err)
	}
	at := t0.Add(16 * time.Minute)
	if n, err := st.CloseStale(ctx, fiveMinutes, at); err != nil || n != 1 {
		t.Fatalf("at 16m: closed %d, %v; want 1", n, err)
	}
	ss := mustGet(t, st, "nas1/silent")
	if ss.Open || !ss.Stale || ss.TerminateCause != accounting.StaleCause || !ss.Stopped.Equal(t0) {
		t.Fatalf("stale session = %+v", ss)
	}
	if got := openIDs(t, st); !slices.Equal(got, []string{"nas1/alive", "nas1/noint"}) {
		t.Fatalf("open after the stale close = %v", got)
	}
	st.Sync()
	if n, _ := st.OpenCount("u-silent", 0); n != 0 {
		t.Fatalf("OpenCount of the stale session's account = %d", n)
	}
	if got, _ := st.OpenByIP("10.0.0.1"); len(got) != 0 {
		t.Fatalf("OpenByIP still finds the stale session: %+v", got)
	}
	// No interim interval: the fallback (24h) applies.
	if n, _ := st.CloseStale(ctx, fiveMinutes, t0.Add(25*time.Hour)); n != 2 {
		t.Fatalf("at 25h: closed %d, want alive and noint", n)
	}

	// The gateway comes back with an Interim-Update: the session reopens.
	mustApply(t, st, accounting.Update{AcctID: "silent", Status: accounting.Interim, InputOctets: 700, At: at.Add(time.Minute)})
	ss = mustGet(t, st, "nas1/silent")
	if !ss.Open || ss.Stale || ss.TerminateCause != "" || !ss.Stopped.IsZero() || ss.InputOctets != 700 {
		t.Fatalf("reopened session = %+v", ss)
	}
	if got := openIDs(t, st); !slices.Equal(got, []string{"nas1/silent"}) {
		t.Fatalf("open after the reopen = %v", got)
	}
	st.Sync()
	if n, _ := st.OpenCount("u-silent", 0); n != 1 {
		t.Fatalf("OpenCount after the reopen = %d", n)
	}
	if got, _ := st.OpenByIP("10.0.0.1"); len(got) != 1 {
		t.Fatalf("OpenByIP after the reopen: %+v", got)
	}
	// Closed as stale again, then the real Stop arrives: its time and
	// cause replace the guess.
	if n, _ := st.CloseStale(ctx, fiveMinutes, at.Add(time.Hour)); n != 1 {
		t.Fatal("the reopened session was not closed again")
	}
	stop := at.Add(90 * time.Minute)
	mustApply(t, st, accounting.Update{AcctID: "silent", Status: accounting.Stop, TerminateCause: "Idle-Timeout", At: stop})
	ss = mustGet(t, st, "nas1/silent")
	if ss.Open || ss.Stale || ss.TerminateCause != "Idle-Timeout" || !ss.Stopped.Equal(stop) {
		t.Fatalf("after the real Stop = %+v", ss)
	}
	// A late Interim of a normally stopped session does not reopen it.
	mustApply(t, st, accounting.Update{AcctID: "silent", Status: accounting.Interim, At: stop.Add(time.Minute)})
	if ss := mustGet(t, st, "nas1/silent"); ss.Open {
		t.Fatal("an Interim reopened a stopped session")
	}
	if c := st.Stale(); c.Closed != 4 || c.Reopened != 2 {
		t.Fatalf("counts = %+v, want 4 closed, 2 reopened", c)
	}
}

func TestPurgeArchivesThenRemovesExactly(t *testing.T) {
	bothModes(t, testPurgeArchivesThenRemovesExactly)
}

func testPurgeArchivesThenRemovesExactly(t *testing.T, st *accounting.Store) {
	ctx := context.Background()
	// One session closed each day for 60 days, and one still open.
	for d := range 60 {
		id := "d" + string(rune('A'+d/26)) + string(rune('a'+d%26))
		at := t0.AddDate(0, 0, d)
		mustApply(t, st, accounting.Update{AcctID: id, Status: accounting.Start, Username: "v", At: at})
		mustApply(t, st, accounting.Update{AcctID: id, Status: accounting.Stop, Username: "v", At: at.Add(time.Hour)})
	}
	mustApply(t, st, accounting.Update{AcctID: "open", Status: accounting.Start, Username: "v", Class: "whk1:g:none", At: t0})
	// A stale-closed session that came back is not old any more.
	mustApply(t, st, accounting.Update{AcctID: "back", Status: accounting.Start, Username: "v", At: t0})
	if _, err := st.CloseStale(ctx, fiveMinutes, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	mustApply(t, st, accounting.Update{AcctID: "back", Status: accounting.Interim, At: t0.Add(2 * time.Hour)})

	var archived []accounting.Session
	before := t0.AddDate(0, 0, 30) // keeps days 30..59
	n, err := st.PurgeClosed(ctx, accounting.PurgeOptions{Before: before, Batch: 7,
		Archive: func(ss []accounting.Session) error { archived = append(archived, ss...); return nil }})
	if err != nil || n != 30 {
		t.Fatalf("purged %d, %v; want 30", n, err)
	}
	if len(archived) != 30 {
		t.Fatalf("archived %d, want 30", len(archived))
	}
	if !sort.SliceIsSorted(archived, func(i, j int) bool { return archived[i].Stopped.Before(archived[j].Stopped) }) {
		t.Fatal("archived out of stop-time order")
	}
	for _, ss := range archived {
		if !ss.Stopped.Before(before) || ss.Open {
			t.Fatalf("archived a session to keep: %+v", ss)
		}
		if _, err := st.Get(ss.ID); err == nil {
			t.Fatalf("%s archived but not removed", ss.ID)
		}
	}
	all, err := st.List(false, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 32 { // 30 closed days, "open", "back"
		t.Fatalf("%d sessions left, want 32", len(all))
	}
	for _, ss := range all {
		if !ss.Open && ss.Stopped.Before(before) {
			t.Fatalf("an old session was kept: %+v", ss)
		}
	}
	// A second run finds nothing: the index keys went with the records.
	archived = nil
	if n, err := st.PurgeClosed(ctx, accounting.PurgeOptions{Before: before,
		Archive: func(ss []accounting.Session) error { archived = append(archived, ss...); return nil }}); n != 0 || err != nil || len(archived) != 0 {
		t.Fatalf("second run: %d removed, %d archived, %v", n, len(archived), err)
	}
	// An archive that fails removes nothing.
	_, err = st.PurgeClosed(ctx, accounting.PurgeOptions{Before: t0.AddDate(1, 0, 0),
		Archive: func([]accounting.Session) error { return context.DeadlineExceeded }})
	if err == nil {
		t.Fatal("a failed archive did not stop the purge")
	}
	if all, _ := st.List(false, 0); len(all) != 32 {
		t.Fatalf("a failed archive removed sessions: %d left", len(all))
	}
}

// A database written before the closed-session index gets it on the
// first purge.
func TestPurgeIndexesAnOlderStore(t *testing.T) {
	db := storetest.Open(t)
	old := accounting.Session{ID: "nas1/old", NAS: "nas1", AcctID: "old", Started: t0, Updated: t0, Stopped: t0}
	kept := accounting.Session{ID: "nas1/kept", NAS: "nas1", AcctID: "kept", Started: t0, Updated: t0, Stopped: t0.AddDate(0, 1, 0)}
	err := db.Update(func(tx *store.Tx) error {
		if err := tx.Put(store.Sessions, "s/nas1\x00old", old); err != nil {
			return err
		}
		return tx.Put(store.Sessions, "s/nas1\x00kept", kept)
	})
	if err != nil {
		t.Fatal(err)
	}
	st, err := accounting.Open(db, filepath.Join(t.TempDir(), "j"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	n, err := st.PurgeClosed(context.Background(), accounting.PurgeOptions{Before: t0.AddDate(0, 0, 1)})
	if err != nil || n != 1 {
		t.Fatalf("purged %d, %v; want 1", n, err)
	}
	if _, err := st.Get("nas1/old"); err == nil {
		t.Fatal("the old session is still there")
	}
	if _, err := st.Get("nas1/kept"); err != nil {
		t.Fatal(err)
	}
}

// More open sessions than one read transaction examines, and more stale
// ones than one commit closes.
func TestCloseStaleGoesOnAcrossChunks(t *testing.T) {
	st := accounting.New(storetest.Open(t))
	defer st.Close()
	var us []accounting.Update
	for i := range 2600 {
		at := t0
		if i%2 == 0 {
			at = t0.Add(time.Hour) // fresh
		}
		us = append(us, accounting.Update{NAS: "nas1", AcctID: fmt.Sprintf("s%05d", i), Status: accounting.Start, Username: "u", At: at})
	}
	if _, errs := st.ApplyAll(us); errors.Join(errs...) != nil {
		t.Fatal(errors.Join(errs...))
	}
	n, err := st.CloseStale(context.Background(), fiveMinutes, t0.Add(time.Hour))
	if err != nil || n != 1300 {
		t.Fatalf("closed %d, %v; want 1300", n, err)
	}
	if open := openIDs(t, st); len(open) != 1300 {
		t.Fatalf("%d open, want 1300", len(open))
	}
}

// A purge yields to accounting traffic: while packets keep arriving it
// removes one batch a Yield, and once they stop it goes on at once.
func TestPurgeYieldsToPackets(t *testing.T) {
	st, err := accounting.Open(storetest.Open(t), filepath.Join(t.TempDir(), "j"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	for d := range 6 {
		id := fmt.Sprintf("old%d", d)
		mustApply(t, st, accounting.Update{AcctID: id, Status: accounting.Start, Username: "v", At: t0})
		mustApply(t, st, accounting.Update{AcctID: id, Status: accounting.Stop, Username: "v", At: t0.Add(time.Hour)})
	}
	ctx, stop := context.WithCancel(context.Background())
	traffic := make(chan struct{})
	go func() { // an Interim every 10 ms, as RADIUS under load
		defer close(traffic)
		for i := 0; ctx.Err() == nil; i++ {
			st.Apply(accounting.Update{NAS: "nas1", AcctID: "live", Status: accounting.Interim, InputOctets: uint64(i), At: time.Now()})
			time.Sleep(10 * time.Millisecond)
		}
	}()
	const yield = 300 * time.Millisecond
	opt := accounting.PurgeOptions{Before: t0.AddDate(0, 0, 1), Batch: 2, Yield: yield}
	start := time.Now()
	n, err := st.PurgeClosed(context.Background(), opt)
	took := time.Since(start)
	stop()
	<-traffic
	if err != nil || n != 6 {
		t.Fatalf("purged %d, %v; want 6", n, err)
	}
	if took < 2*yield { // three batches: two waits between them
		t.Fatalf("under traffic the purge took %v, want at least %v (a batch a yield)", took, 2*yield)
	}

	for d := range 6 {
		id := fmt.Sprintf("later%d", d)
		mustApply(t, st, accounting.Update{AcctID: id, Status: accounting.Start, Username: "v", At: t0})
		mustApply(t, st, accounting.Update{AcctID: id, Status: accounting.Stop, Username: "v", At: t0.Add(time.Hour)})
	}
	time.Sleep(150 * time.Millisecond) // quiet
	start = time.Now()
	if n, err := st.PurgeClosed(context.Background(), opt); err != nil || n != 6 {
		t.Fatalf("purged %d, %v; want 6", n, err)
	}
	if took := time.Since(start); took >= yield {
		t.Fatalf("with no traffic the purge took %v, want under %v", took, yield)
	}
}
