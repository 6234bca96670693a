package telemetry_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/wifihk/wifihk/telemetry"
)

func TestIngestIsIdempotentPerAPAndSequence(t *testing.T) {
	bothModes(t, func(t *testing.T, f *fixture) {
		now := f.clock.Now()
		for _, seq := range []uint64{10, 11, 11, 12, 10, 11, 9} { // resends and one late arrival
			if code, body := f.send(t, f.tokA, report(seq, now, 3)); code != 200 {
				t.Fatalf("seq %d: %d %s", seq, code, body)
			}
		}
		// The same sequence from another AP is another report.
		if code, _ := f.send(t, f.tokB, report(10, now, 3)); code != 200 {
			t.Fatal(code)
		}
		st, _ := f.svc.APStatus(f.apA.ID)
		if st.Reports != 4 || st.TotalBytesUp != 4*3*1000 || st.LastSeq != 12 {
			t.Fatalf("AP A: %d reports, %d bytes up, last seq %d; want 4 (9-12), 12000, 12", st.Reports, st.TotalBytesUp, st.LastSeq)
		}
		b, err := f.svc.APSeries(f.apA.ID, now.Add(-time.Hour), now.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if len(b) != 1 || b[0].Reports != 4 || b[0].BytesDown != 4*3*5000 {
			t.Fatalf("series %+v, want one bucket with 4 reports", b)
		}
		v, _ := f.svc.VenueSeries("orgb/V1", now.Add(-time.Hour), now.Add(time.Hour))
		if len(v) != 1 || v[0].Reports != 1 || len(v[0].APs) != 1 {
			t.Fatalf("venue series %+v, want AP B's one report", v)
		}
	})
}

func TestOfflineAfterThreeMissedIntervalsAndRecovery(t *testing.T) {
	bothModes(t, func(t *testing.T, f *fixture) {
		f.send(t, f.tokA, report(1, f.clock.Now(), 1))
		online, _ := f.svc.OnlineAPs(context.Background())
		if len(online) != 1 || online[0] != f.apA.ID {
			t.Fatalf("online %v, want [%s]", online, f.apA.ID)
		}
		f.clock.Add(3 * time.Minute) // exactly three intervals: not yet
		f.svc.CheckOffline()
		if online, _ = f.svc.OnlineAPs(context.Background()); len(online) != 1 {
			t.Fatal("offline after three intervals, want after more than three")
		}
		f.clock.Add(time.Second)
		if err := f.svc.CheckOffline(); err != nil {
			t.Fatal(err)
		}
		if online, _ = f.svc.OnlineAPs(context.Background()); len(online) != 0 {
			t.Fatalf("still online %v", online)
		}
		f.svc.CheckOffline() // a second check raises no second alert
		f.clock.Add(time.Minute)
		f.send(t, f.tokA, report(2, f.clock.Now(), 1))

		code, body := f.get(t, f.admin, "/api/v1/alerts")
		var got struct{ Alerts []telemetry.Alert }
		if code != 200 || json.Unmarshal([]byte(body), &got) != nil {
			t.Fatalf("alerts: %d %s", code, body)
		}
		if len(got.Alerts) != 2 || got.Alerts[0].Kind != telemetry.AlertRecovered || got.Alerts[1].Kind != telemetry.AlertOffline {
			t.Fatalf("alerts %+v, want recovered then offline (newest first)", got.Alerts)
		}
		// Operators see their own organisation's alerts only.
		if _, body := f.get(t, f.opB, "/api/v1/alerts"); strings.Contains(body, f.apA.ID) {
			t.Fatalf("operator of orgb sees orga's alerts: %s", body)
		}
		// The status survives a restart of the controller.
		svc2 := f.restart(t)
		if on, known := svc2.Counts(); on != 1 || known != 1 {
			t.Fatalf("after restart: %d online of %d known, want 1 of 1", on, known)
		}
	})
}

func TestPurgeKeepsRecentBuckets(t *testing.T) {
	bothModes(t, func(t *testing.T, f *fixture) {
		old := f.clock.Now()
		f.send(t, f.tokA, report(1, old, 1))
		f.clock.Add(47 * time.Hour)
		f.send(t, f.tokA, report(2, f.clock.Now(), 1))
		f.clock.Add(2 * time.Hour) // the first bucket is now past 48h
		n, err := f.svc.Purge(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		b, _ := f.svc.APSeries(f.apA.ID, old.Add(-time.Hour), f.clock.Now())
		v, _ := f.svc.VenueSeries("orga/V1", old.Add(-time.Hour), f.clock.Now())
		if n != 1 || len(b) != 1 || len(v) != 2 {
			t.Fatalf("purged %d, left %d AP and %d venue buckets; want 1 purged, 1 AP and 2 venue buckets", n, len(b), len(v))
		}
	})
}

func TestPurgeEveryAPAndVenue(t *testing.T) {
	bothModes(t, func(t *testing.T, f *fixture) {
		start := f.clock.Now()
		for i := range 4 { // four buckets per AP, 20 minutes apart
			f.send(t, f.tokA, report(uint64(i+1), f.clock.Now(), 1))
			f.send(t, f.tokB, report(uint64(i+1), f.clock.Now(), 1))
			f.clock.Add(20 * time.Minute)
		}
		// 48h after the second bucket: the first two of each AP are old.
		f.clock.Add(48*time.Hour - time.Hour + time.Second)
		n, err := f.svc.Purge(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, ap := range []string{f.apA.ID, f.apB.ID} {
			b, _ := f.svc.APSeries(ap, start.Add(-time.Hour), f.clock.Now())
			if len(b) != 2 || !b[0].Start.Equal(start.Add(40*time.Minute)) {
				t.Fatalf("%s: %d buckets left, first %v; want the last 2", ap, len(b), b)
			}
		}
		for _, venue := range []string{"orga/V1", "orgb/V1"} {
			if v, _ := f.svc.VenueSeries(venue, start.Add(-time.Hour), f.clock.Now()); len(v) != 4 {
				t.Fatalf("%s: %d venue buckets, want 4 (kept 30 days)", venue, len(v))
			}
		}
		if n != 4 {
			t.Fatalf("purged %d records, want 4", n)
		}
		f.clock.Add(30 * 24 * time.Hour)
		if n, err = f.svc.Purge(context.Background()); err != nil || n != 4+8+2 {
			t.Fatalf("30 days later purged %d (%v), want 4 AP and 8 venue buckets and 2 receipt runs", n, err)
		}
	})
}
