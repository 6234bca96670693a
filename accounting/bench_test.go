package accounting

import (
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/wifihk/wifihk/internal/storetest"
)

// BenchmarkApply measures durable Interim-Updates from 32 callers per
// GOMAXPROCS, one session each: straight to bbolt (New, group commit) or
// through the journal (Open), the time including the apply of the last one.
func BenchmarkApply(b *testing.B) {
	b.Run("bbolt", func(b *testing.B) {
		benchmarkApply(b, New(storetest.Open(b)))
	})
	b.Run("journal", func(b *testing.B) {
		st, err := Open(storetest.Open(b), filepath.Join(b.TempDir(), "accounting.journal"), nil)
		if err != nil {
			b.Fatal(err)
		}
		benchmarkApply(b, st)
	})
}

func benchmarkApply(b *testing.B, st *Store) {
	b.Cleanup(st.Close)
	var clients atomic.Uint64
	b.SetParallelism(32)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		id := fmt.Sprintf("acct-%d", clients.Add(1))
		for v := uint64(1); pb.Next(); v++ {
			u := Update{NAS: "nas1", AcctID: id, Status: Interim, Username: id, InputOctets: v}
			if _, err := st.Apply(u); err != nil {
				b.Error(err)
				return
			}
		}
	})
	st.Sync()
}
