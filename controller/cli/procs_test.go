package cli

import (
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestProcsForQuota(t *testing.T) {
	n := runtime.NumCPU()
	for _, tc := range []struct {
		q    float64
		want int
	}{
		{0.1, 1}, {0.4, 1}, {1, 1},
		{1.01, min(n, 2)}, {1.5, min(n, 2)}, {2.5, min(n, 3)}, {1000, n},
	} {
		if got := procsForQuota(tc.q); got != tc.want {
			t.Errorf("quota %v CPUs: GOMAXPROCS %d, want %d", tc.q, got, tc.want)
		}
	}
}

// The server run in a cgroup capped at 40% of a CPU takes one P (Go's
// default would be two); GOMAXPROCS in the environment still wins, and
// without a cap Go's default stands. The test binary runs itself as the
// child, inside a CFS-capped cgroup it makes (root and a cgroup cpu
// controller needed, else it skips).
func TestSizeProcsUnderCPULimit(t *testing.T) {
	if os.Getenv("WIFIHK_SIZEPROCS_CHILD") == "1" {
		sizeProcs(slog.New(slog.NewTextHandler(os.Stdout, nil)))
		fmt.Println("gomaxprocs", runtime.GOMAXPROCS(0))
		return
	}
	dir := cpuCgroup(t, 40)
	child := func(env ...string) string {
		t.Helper()
		cmd := exec.Command(os.Args[0], "-test.run=^TestSizeProcsUnderCPULimit$")
		if dir != "" {
			cmd = exec.Command("sh", append([]string{"-c", `echo $$ >"$0/cgroup.procs" && exec "$@"`, dir}, cmd.Args...)...)
		}
		cmd.Env = append(os.Environ(), append(env, "WIFIHK_SIZEPROCS_CHILD=1")...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("child: %v\n%s", err, out)
		}
		return string(out)
	}
	if out := child(); !strings.Contains(out, "gomaxprocs 1\n") || !strings.Contains(out, "GOMAXPROCS sized to the CPU limit") {
		t.Errorf("under a 40%% cap:\n%s", out)
	}
	if out := child("GOMAXPROCS=3"); !strings.Contains(out, "gomaxprocs 3\n") {
		t.Errorf("under a 40%% cap with GOMAXPROCS=3:\n%s", out)
	}
	if runtime.GOMAXPROCS(0) != runtime.NumCPU() {
		return // this test runs under a CPU limit of its own
	}
	dir = ""
	if out, want := child(), fmt.Sprintf("gomaxprocs %d\n", runtime.NumCPU()); !strings.Contains(out, want) || strings.Contains(out, "sized") {
		t.Errorf("without a cap (want %q):\n%s", want, out)
	}
}

// cpuCgroup makes a cgroup whose processes get at most pct% of one CPU
// (cgroup v2 cpu.max or v1 cpu.cfs_quota_us) and removes it when the test
// ends; it skips the test where it cannot.
func cpuCgroup(t *testing.T, pct int) string {
	t.Helper()
	const period = 100000
	name := fmt.Sprintf("wifihk-test-%d", os.Getpid())
	quota := fmt.Sprint(period * pct / 100)
	var dir string
	var files [][2]string
	if b, err := os.ReadFile("/sys/fs/cgroup/cgroup.controllers"); err == nil && strings.Contains(string(b), "cpu") {
		dir = filepath.Join("/sys/fs/cgroup", name)
		files = [][2]string{{"cpu.max", quota + " " + fmt.Sprint(period)}}
	} else if _, err := os.Stat("/sys/fs/cgroup/cpu/cpu.cfs_quota_us"); err == nil {
		dir = filepath.Join("/sys/fs/cgroup/cpu", name)
		files = [][2]string{{"cpu.cfs_period_us", fmt.Sprint(period)}, {"cpu.cfs_quota_us", quota}}
	} else {
		t.Skip("no cgroup cpu controller here: cannot cap CPU")
	}
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Skipf("cannot make a cgroup (root needed): %v", err)
	}
	t.Cleanup(func() { os.Remove(dir) })
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(dir, f[0]), []byte(f[1]), 0o644); err != nil {
			t.Skipf("cannot cap the cgroup's CPU: %v", err)
		}
	}
	return dir
}
