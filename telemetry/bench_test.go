package telemetry_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/internal/storetest"
	"github.com/wifihk/wifihk/telemetry"
)

// BenchmarkIngest stores reports of 25 clients from 50,000 APs, 64 at a
// time, with fsync: each in bbolt in the caller's path (group commit), or
// journaled and applied in the background, the time including the apply
// of the last one.
func BenchmarkIngest(b *testing.B) {
	b.Run("bbolt", func(b *testing.B) { benchmarkIngest(b, "") })
	b.Run("journal", func(b *testing.B) { benchmarkIngest(b, filepath.Join(b.TempDir(), "reports.journal")) })
}

func benchmarkIngest(b *testing.B, journalPath string) {
	db := storetest.Open(b)
	svc, err := telemetry.New(telemetry.Config{DB: db, JournalPath: journalPath})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { svc.Close() })
	const aps = 50000
	var n atomic.Uint64
	now := time.Now()
	b.SetParallelism(32)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			ap := hotspots.AP{ID: fmt.Sprintf("ap-%d", i%aps), Hotspot: hotspots.MakeVenueKey("fleet", fmt.Sprintf("V%05d", i%aps/5))}
			if _, err := svc.Ingest(context.Background(), ap, report(i/aps+1, now, 25)); err != nil {
				b.Error(err)
				return
			}
		}
	})
	svc.Sync()
}
