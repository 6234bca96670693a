package cluster_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wifihk/wifihk/bench/cluster"
	"github.com/wifihk/wifihk/controller/cli"
	"github.com/wifihk/wifihk/internal/store/postgres/pgtest"
)

// serveEnv makes the test binary run `wifihk ARGS` (one a line) instead
// of the tests: the nodes are real processes to kill.
const serveEnv = "WIFIHK_CLUSTER_SOAK_ARGS"

func TestMain(m *testing.M) {
	if args := os.Getenv(serveEnv); args != "" {
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
		code := cli.Run(ctx, strings.Split(args, "\n"), os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// TestSoakShort is the soak in seconds, so that it keeps working: two
// node kills and a database failover under load, and every check holds.
func TestSoakShort(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL and three server processes")
	}
	res, err := cluster.Run(context.Background(), cluster.Config{
		Command: func(args ...string) *exec.Cmd {
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), serveEnv+"="+strings.Join(args, "\n"))
			return cmd
		},
		Dir: t.TempDir(), Duration: 8 * time.Second, Kills: 2, Failover: true,
		Accounts: 3, Devices: 30, APs: 3, Log: testWriter{t},
	})
	if errors.Is(err, pgtest.ErrMissing) && os.Getenv("WIFIHK_INTEROP") != "1" {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s", res)
	b, _ := json.Marshal(res)
	t.Logf("%s", b)
	for _, f := range res.Failures {
		t.Error(f)
	}
	if len(res.Kills) != 2 || res.Promotion == 0 {
		t.Errorf("%d kills and promotion %v, want 2 and a promotion", len(res.Kills), res.Promotion)
	}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}
