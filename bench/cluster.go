package bench

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"

	"github.com/wifihk/wifihk/bench/cluster"
)

// runCluster runs the cluster fault soak against a wifihk binary.
func runCluster(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("wifihk-bench cluster", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c cluster.Config
	bin := fs.String("wifihk", "", "the wifihk binary (default: wifihk beside wifihk-bench, else on PATH)")
	fs.StringVar(&c.Dir, "dir", "", "where to make the nodes' data dirs (default: a temporary dir, removed after)")
	fs.DurationVar(&c.Duration, "d", 0, "how long the load runs (default 2m)")
	fs.IntVar(&c.Kills, "kills", 0, "node SIGKILLs, each followed by a restart, in the first 60% of the load (default 5)")
	fs.BoolVar(&c.Failover, "pg-failover", false, "kill the PostgreSQL primary at 70% of the load and promote its replica")
	fs.DurationVar(&c.NASTimeout, "nas-timeout", 0, "how long a gateway waits for one RADIUS server before the other (default 1s)")
	fs.IntVar(&c.Accounts, "accounts", 0, "visitor accounts, each logged in from two devices at once (default 6)")
	fs.IntVar(&c.Devices, "devices", 0, "click-through devices, each with one free pass more than its allowance (default 150)")
	fs.IntVar(&c.APs, "aps", 0, "access points posting agent reports (default 6)")
	asJSON := fs.Bool("json", false, "print one JSON object")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	path, err := wifihkBinary(*bin)
	if err != nil {
		return err
	}
	c.Command = func(args ...string) *exec.Cmd { return exec.Command(path, args...) }
	if c.Dir == "" {
		if c.Dir, err = os.MkdirTemp("", "wifihk-cluster"); err != nil {
			return err
		}
		defer os.RemoveAll(c.Dir)
	}
	c.Log = stderr
	res, err := cluster.Run(ctx, c)
	if err != nil {
		return err
	}
	if *asJSON {
		err = json.NewEncoder(stdout).Encode(res)
	} else {
		_, err = fmt.Fprint(stdout, res)
	}
	if err != nil {
		return err
	}
	if len(res.Failures) > 0 {
		return fmt.Errorf("cluster: %d checks failed: %s", len(res.Failures), strings.Join(res.Failures, "; "))
	}
	return nil
}
