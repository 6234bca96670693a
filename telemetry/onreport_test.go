package telemetry_test

import (
	"context"
	"sync"
	"testing"
	"time"
)

// OnReport hears each stored report once, with its venue, bucket time and
// clients now; resends are not heard again.
func TestOnReportOncePerStoredReport(t *testing.T) {
	bothModes(t, func(t *testing.T, f *fixture) {
		type heard struct {
			venue   string
			at      time.Time
			clients int
		}
		var mu sync.Mutex
		var got []heard
		f.cfg.OnReport = func(venue string, at time.Time, clients int) {
			mu.Lock()
			got = append(got, heard{venue, at, clients})
			mu.Unlock()
		}
		svc := f.restart(t)
		now := f.clock.Now()
		for _, seq := range []uint64{1, 2, 2, 1, 3} {
			if _, err := svc.Ingest(context.Background(), f.apA, report(seq, now, int(seq)+4)); err != nil {
				t.Fatal(err)
			}
		}
		mu.Lock()
		defer mu.Unlock()
		if len(got) != 3 {
			t.Fatalf("heard %d reports, want 3: %+v", len(got), got)
		}
		for i, h := range got {
			if h.venue != "orga/V1" || h.clients != i+5 || !h.at.Equal(now.Truncate(5*time.Minute)) {
				t.Errorf("report %d: %+v, want orga/V1, %d clients, at %v", i+1, h, i+5, now.Truncate(5*time.Minute))
			}
		}
	})
}
