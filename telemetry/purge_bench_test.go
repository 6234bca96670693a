package telemetry

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/wifihk/wifihk/agent/wire"
	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/internal/store"
	"github.com/wifihk/wifihk/internal/storetest"
)

// BenchmarkPurge runs the hourly retention over 200 APs that each hold 48
// hours of 5-minute buckets (576), none of them old yet: the steady state,
// where retention should cost little.
func BenchmarkPurge(b *testing.B) {
	const aps, buckets = 200, 576
	db := storetest.Open(b)
	now := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	svc, err := New(Config{DB: db, Now: func() time.Time { return now }})
	if err != nil {
		b.Fatal(err)
	}
	r := &wire.Report{Version: wire.Version, Seq: 1, Start: now.Add(-time.Minute), End: now, IntervalS: 60, Clients: []wire.Client{}}
	for i := range aps {
		ap := hotspots.AP{ID: fmt.Sprintf("ap-%d", i), Hotspot: hotspots.MakeVenueKey("org", fmt.Sprintf("V%d", i/10))}
		if _, err := svc.Ingest(context.Background(), ap, r); err != nil {
			b.Fatal(err)
		}
		err := db.Update(func(tx *store.Tx) error {
			for j := range buckets {
				at := now.Add(-time.Duration(j) * BucketWidth).Truncate(BucketWidth)
				if err := addToBucket(tx, apSeriesKey(ap.ID, at), at, "", &r.AP); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for range b.N {
		n, err := svc.Purge(context.Background())
		if err != nil || n != 0 {
			b.Fatalf("purged %d: %v", n, err)
		}
	}
}
