package telemetry_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/hotspots/telemetry"
	"github.com/wifihk/wifihk/internal/storetest"
)

// BenchmarkIngest stores reports of 25 clients from 50,000 APs, 64 at a
// time, with fsync (group commit).
func BenchmarkIngest(b *testing.B) {
	db := storetest.Open(b)
	svc, err := telemetry.New(telemetry.Config{DB: db})
	if err != nil {
		b.Fatal(err)
	}
	const aps = 50000
	var n atomic.Uint64
	now := time.Now()
	b.SetParallelism(32)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			ap := hotspots.AP{ID: fmt.Sprintf("ap-%d", i%aps), Hotspot: fmt.Sprintf("fleet/V%05d", i%aps/5)}
			if _, err := svc.Ingest(context.Background(), ap, report(i/aps+1, now, 25)); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
