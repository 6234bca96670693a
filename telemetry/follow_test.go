package telemetry_test

import (
	"context"
	"testing"
	"time"

	"github.com/wifihk/wifihk/agent/wire/wiretest"
	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/internal/store/postgres/pgtest"
	"github.com/wifihk/wifihk/internal/storetest"
	"github.com/wifihk/wifihk/telemetry"
)

// An AP's reports may go to any node: a report ingested by A makes the AP
// online on B too, and when A's offline check marks it offline, B's
// memory says so as well, with one alert in the store.
func TestAPStatusAcrossNodes(t *testing.T) {
	url := pgtest.NewDB(t)
	clk := &clock{t: time.Now().UTC().Truncate(time.Second)}
	node := func() *telemetry.Service {
		svc, err := telemetry.New(telemetry.Config{DB: storetest.OpenNode(t, url), Now: clk.Now,
			JournalPath: t.TempDir() + "/reports.journal"})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { svc.Close() }) // before the DB
		return svc
	}
	a, b := node(), node()
	online := func(s *telemetry.Service) int {
		ids, _ := s.OnlineAPs(context.Background())
		return len(ids)
	}
	ap := hotspots.AP{ID: "ap-1", Hotspot: "org/V1"}
	if _, err := a.Ingest(context.Background(), ap, wiretest.Report(1, clk.Now(), 3)); err != nil {
		t.Fatal(err)
	}
	eventually(t, "B counts the AP online", func() bool { return online(b) == 1 })
	clk.Add(10 * time.Minute) // three missed intervals
	if err := a.CheckOffline(); err != nil {
		t.Fatal(err)
	}
	eventually(t, "B counts it offline", func() bool { return online(b) == 0 })
	if err := b.CheckOffline(); err != nil { // nothing left to mark
		t.Fatal(err)
	}
	alerts, err := b.Alerts(telemetry.AlertFilter{})
	if err != nil || len(alerts) != 1 {
		t.Fatalf("alerts: %+v %v, want one", alerts, err)
	}
}

// eventually polls cond for up to 2 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(2 * time.Second); !cond(); time.Sleep(2 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("not within 2 s: %s", what)
		}
	}
}
