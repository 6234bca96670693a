package bench

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/wifihk/wifihk/bench/faults"
)

// runFaults runs the fault suite against a wifihk binary.
func runFaults(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("wifihk-bench faults", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c faults.Config
	bin := fs.String("wifihk", "", "the wifihk binary (default: wifihk beside wifihk-bench, else on PATH)")
	fs.StringVar(&c.Dir, "dir", "", "where to make the data dirs (default: a temporary dir, removed after)")
	fs.IntVar(&c.Rounds, "rounds", 5, "SIGKILL rounds under accounting and agent load")
	fs.DurationVar(&c.Load, "load", 0, "load per SIGKILL round (default 2s)")
	fs.IntVar(&c.DamageRounds, "damage-rounds", 3, "rounds of each damage case, each at new random offsets")
	fs.DurationVar(&c.FullDisk, "fulldisk", 0, "keep a tmpfs full this long while logins are measured (needs root; 0 skips)")
	skip := fs.String("skip", "", "comma-separated parts of damage case names to leave out")
	cases := fs.String("cases", "", "comma-separated groups to run: kill, damage, disk (default all)")
	fs.Uint64Var(&c.Seed, "seed", 0, "seed for the random offsets (default from the clock; printed)")
	asJSON := fs.Bool("json", false, "print one JSON object")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	path, err := wifihkBinary(*bin)
	if err != nil {
		return err
	}
	c.Command = func(args ...string) *exec.Cmd { return exec.Command(path, args...) }
	if *cases != "" {
		c.Cases = strings.Split(*cases, ",")
	}
	if *skip != "" {
		c.Skip = strings.Split(*skip, ",")
	}
	if c.Dir == "" {
		if c.Dir, err = os.MkdirTemp("", "wifihk-faults"); err != nil {
			return err
		}
		defer os.RemoveAll(c.Dir)
	}
	c.Log = stderr
	if c.Seed == 0 {
		c.Seed = uint64(time.Now().UnixNano())
	}
	out, err := faults.Run(ctx, c)
	if err != nil {
		return err
	}
	failed := 0
	for _, o := range out {
		failed += len(o.Failures)
	}
	if *asJSON {
		if err := json.NewEncoder(stdout).Encode(map[string]any{"seed": c.Seed, "cases": out}); err != nil {
			return err
		}
	} else {
		for _, o := range out {
			fmt.Fprintf(stdout, "%s: %d rounds, %d acknowledged, %d lost\n", o.Case, o.Rounds, o.Acked, o.Lost)
			for _, s := range o.Server {
				fmt.Fprintf(stdout, "  %s\n", s)
			}
			if len(o.Figures) > 0 {
				b, _ := json.Marshal(o.Figures)
				fmt.Fprintf(stdout, "  figures: %s\n", b)
			}
			for _, f := range o.Failures {
				fmt.Fprintf(stdout, "  FAILED: %s\n", f)
			}
		}
	}
	if failed > 0 {
		return fmt.Errorf("faults: %d checks failed", failed)
	}
	return nil
}

// wifihkBinary finds the wifihk binary: given, beside this program, or on
// PATH.
func wifihkBinary(given string) (string, error) {
	if given != "" {
		return given, nil
	}
	if self, err := os.Executable(); err == nil {
		if p := filepath.Join(filepath.Dir(self), "wifihk"); fileExists(p) {
			return p, nil
		}
	}
	p, err := exec.LookPath("wifihk")
	if err != nil {
		return "", fmt.Errorf("faults: no wifihk binary: build it (go build ./cmd/wifihk) and pass -wifihk PATH")
	}
	return p, nil
}

func fileExists(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}
