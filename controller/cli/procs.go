package cli

import (
	"log/slog"
	"math"
	"runtime"

	"go.uber.org/automaxprocs/maxprocs"
)

// sizeProcs runs the server with one P when its CPU limit (a container's
// or cgroup's CFS quota) is one CPU or less: there a second P adds no
// throughput, only hand-offs between threads that the limit pays for
// (Go's own default keeps two). Above one CPU it keeps Go's default; the
// GOMAXPROCS environment variable, when set, wins.
func sizeProcs(log *slog.Logger) {
	before := runtime.GOMAXPROCS(0)
	_, err := maxprocs.Set(maxprocs.RoundQuotaFunc(procsForQuota))
	if err != nil {
		log.Warn("CPU limit not read; GOMAXPROCS left as it is", "gomaxprocs", before, "err", err)
		return
	}
	if now := runtime.GOMAXPROCS(0); now != before {
		log.Info("GOMAXPROCS sized to the CPU limit", "gomaxprocs", now, "was", before)
	}
}

// procsForQuota is the GOMAXPROCS for a CPU quota of q CPUs: 1 up to one
// CPU, else what Go itself picks (the quota rounded up, at least 2, at
// most the machine's CPUs).
func procsForQuota(q float64) int {
	if q <= 1 {
		return 1
	}
	return min(runtime.NumCPU(), max(2, int(math.Ceil(q))))
}
