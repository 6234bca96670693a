package faults_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wifihk/wifihk/bench/faults"
	"github.com/wifihk/wifihk/controller/cli"
)

// serveEnv makes the test binary run `wifihk ARGS` instead of the tests:
// the suite's server is a real process to kill.
const serveEnv = "WIFIHK_FAULTS_WIFIHK_ARGS"

func TestMain(m *testing.M) {
	if args := os.Getenv(serveEnv); args != "" {
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
		code := cli.Run(ctx, strings.Split(args, "\n"), os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// TestFaultSuiteShort is the fault suite's short form, as CI runs it:
// two SIGKILL rounds, one round of each damage case, and (as root) a
// full disk for 3 s. Every case must hold: no acknowledged record lost,
// refusals clear, logins answered on a full disk, recovery within 1 s.
func TestFaultSuiteShort(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills server processes")
	}
	cfg := faults.Config{
		Command: func(args ...string) *exec.Cmd {
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), serveEnv+"="+strings.Join(args, "\n"))
			return cmd
		},
		Dir: t.TempDir(), Rounds: 2, Load: time.Second, DamageRounds: 1, FullDisk: 3 * time.Second,
		Log: testWriter{t},
	}
	if c := os.Getenv("WIFIHK_FAULTS_CASES"); c != "" { // e.g. "disk", while working on one
		cfg.Cases = strings.Split(c, ",")
	}
	if os.Geteuid() != 0 {
		if os.Getenv("WIFIHK_INTEROP") == "1" {
			t.Fatal("WIFIHK_INTEROP=1: the full-disk case needs root to mount a tmpfs")
		}
		t.Log("not root: the full-disk case is skipped (it mounts a tmpfs)")
		cfg.FullDisk = 0
	}
	out, err := faults.Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range out {
		b, _ := json.MarshalIndent(o, "", "  ")
		t.Logf("%s", b)
		for _, f := range o.Failures {
			t.Errorf("%s: %s", o.Case, f)
		}
		if o.Acked == 0 && !strings.HasPrefix(o.Case, "master key") {
			t.Errorf("%s: nothing acknowledged: the load did not run", o.Case)
		}
	}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}
