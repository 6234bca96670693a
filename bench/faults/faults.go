// Package faults is the fault suite (`wifihk-bench faults`): it runs
// `wifihk serve` in a child process under accounting and agent load and
// hurts it as a crash or a failing disk would: repeated SIGKILL, a disk
// that fills and empties, bytes flipped at random offsets in a journal and
// in the database, truncated and deleted files, a missing key. Each case
// ends with a check of every acknowledged record against the load's own
// ledger, asked of the restarted server, and of what the server did: it
// started, refused with a clear message, or degraded and recovered.
package faults

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/wifihk/wifihk/controller"
	"github.com/wifihk/wifihk/controller/cli"
)

// Config is one run of the suite. Zero fields take the defaults named.
type Config struct {
	// Command returns the command that runs `wifihk ARGS…`: the wifihk
	// binary, or a test binary that runs it. Required.
	Command func(args ...string) *exec.Cmd
	// Dir holds the data dirs the suite makes. Required.
	Dir string
	// Rounds of SIGKILL under load. Default 5.
	Rounds int
	// Load is how long each round loads the server before the kill.
	// Default 2s.
	Load time.Duration
	// DamageRounds is how many copies each damage case hurts, each at
	// new random offsets. Default 3.
	DamageRounds int
	// FullDisk is how long the disk stays full while logins are measured;
	// 0 skips the full-disk case. It needs root to mount a tmpfs.
	FullDisk time.Duration
	// Cases picks the groups to run, of "kill", "damage" and "disk"
	// (the last only with FullDisk). Default: all.
	Cases []string
	// Skip leaves out the damage cases whose names contain one of these.
	Skip []string
	// Seed makes the random offsets repeatable. Default: from the clock.
	Seed uint64
	// Log receives progress lines; quiet when nil.
	Log io.Writer
}

// Outcome is one case's result.
type Outcome struct {
	Case   string `json:"case"`
	Rounds int    `json:"rounds"`
	// Acked and Lost count records (accounting packets and agent reports)
	// the server acknowledged, and of them those missing afterwards.
	Acked int `json:"acked"`
	Lost  int `json:"lost"`
	// Server says what the server did in each round.
	Server []string `json:"server"`
	// Figures are the case's own measurements.
	Figures map[string]any `json:"figures,omitempty"`
	// Failures are the checks that did not hold; none is a pass.
	Failures []string `json:"failures,omitempty"`
}

// Suite runs the cases.
type Suite struct {
	cfg        Config
	rng        *rand.Rand
	staffToken string
	aps        map[string]string // AP ID -> agent token
}

// Run runs every case and returns their outcomes; an error means the
// suite itself could not run.
func Run(ctx context.Context, cfg Config) ([]Outcome, error) {
	if cfg.Command == nil || cfg.Dir == "" {
		return nil, errors.New("faults: Command and Dir are required")
	}
	if cfg.Rounds <= 0 {
		cfg.Rounds = 5
	}
	if cfg.Load <= 0 {
		cfg.Load = 2 * time.Second
	}
	if cfg.DamageRounds <= 0 {
		cfg.DamageRounds = 3
	}
	if cfg.Seed == 0 {
		cfg.Seed = uint64(time.Now().UnixNano())
	}
	if cfg.Log == nil {
		cfg.Log = io.Discard
	}
	s := &Suite{cfg: cfg, rng: rand.New(rand.NewPCG(cfg.Seed, 0x5eed))}
	fmt.Fprintf(cfg.Log, "faults: seed %d\n", cfg.Seed)
	base := filepath.Join(cfg.Dir, "base")
	l := newLedger()
	if err := s.seed(ctx, base, l); err != nil {
		return nil, err
	}
	var out []Outcome
	// The kill rounds leave base as a SIGKILL does, its journals holding
	// records; the damage cases hurt copies of that state.
	killed, lk := filepath.Join(cfg.Dir, "killed"), l
	if s.runs("kill") || s.runs("damage") {
		kills, err := s.kills(ctx, base, l)
		if err != nil {
			return nil, err
		}
		if err := copyDir(base, killed); err != nil {
			return nil, err
		}
		lk = l.clone()
		if kills, err = s.check(ctx, base, l, kills); err != nil {
			return nil, err
		}
		if s.runs("kill") {
			out = append(out, kills)
		}
	}
	if s.runs("damage") {
		// The damage cases hurt copies of their own: they run at once.
		cases := slices.DeleteFunc(s.damages(), func(c damageCase) bool {
			return slices.ContainsFunc(cfg.Skip, func(skip string) bool { return strings.Contains(c.name, skip) })
		})
		outs, errs := make([]Outcome, len(cases)), make([]error, len(cases))
		var wg sync.WaitGroup
		for i, c := range cases {
			wg.Add(1)
			go func() {
				defer wg.Done()
				outs[i], errs[i] = s.damage(ctx, killed, lk, i, c)
			}()
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			return out, err
		}
		out = append(out, outs...)
	}
	if cfg.FullDisk > 0 && s.runs("disk") {
		o, err := s.fullDisk(ctx)
		if err != nil {
			return out, err
		}
		out = append(out, o)
	}
	return out, nil
}

// runs reports whether the group of cases named runs.
func (s *Suite) runs(group string) bool {
	return len(s.cfg.Cases) == 0 || slices.Contains(s.cfg.Cases, group)
}

func (s *Suite) logf(format string, args ...any) {
	fmt.Fprintf(s.cfg.Log, "faults: "+format+"\n", args...)
}

// seed starts a demo server on dir once, adds what the load and the
// probes need (a CHAP account, APs with agent tokens, an admin's API
// token for the checks) and loads it briefly, then stops it cleanly.
func (s *Suite) seed(ctx context.Context, dir string, l *ledger) error {
	srv, err := s.start(dir)
	if err != nil {
		return err
	}
	defer srv.stop()
	if _, err := s.admin(ctx, "user", "add", "-data", dir, "-username", chapUser, "-password", chapPassword, "-chap"); err != nil {
		return err
	}
	out, err := s.admin(ctx, "staff", "add", "-data", dir, "-username", "faults-admin", "-role", "admin")
	if err != nil {
		return err
	}
	if s.staffToken, _ = out["token"].(string); s.staffToken == "" {
		return fmt.Errorf("faults: staff add printed no token: %v", out)
	}
	s.aps = map[string]string{}
	for i := range 4 {
		out, err := s.admin(ctx, "ap", "add", "-data", dir, "-hotspot", string(controller.DemoNetworkNASVenue),
			"-name", fmt.Sprintf("faults-ap-%d", i), "-mac", fmt.Sprintf("02:fa:00:00:00:%02x", i))
		if err != nil {
			return err
		}
		id, _ := out["id"].(string)
		token, _ := out["token"].(string)
		if id == "" || token == "" {
			return fmt.Errorf("faults: ap add printed no id or token: %v", out)
		}
		s.aps[id] = token
	}
	return nil
}

// admin runs a wifihk admin command with -json and returns its object.
func (s *Suite) admin(ctx context.Context, args ...string) (map[string]any, error) {
	var stdout, stderr bytes.Buffer
	if code := cli.Run(ctx, append(args, "-json"), &stdout, &stderr); code != 0 {
		return nil, fmt.Errorf("faults: wifihk %s: exit %d: %s", strings.Join(args[:2], " "), code, strings.TrimSpace(stderr.String()))
	}
	var out map[string]any
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		return nil, fmt.Errorf("faults: wifihk %s: %w", strings.Join(args[:2], " "), err)
	}
	return out, nil
}

// load runs accounting (8 sessions named by prefix) and agent load on srv
// for d, or until ctx ends or the server exits.
func (s *Suite) load(ctx context.Context, srv *server, prefix string, d time.Duration, l *ledger) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	go func() {
		select {
		case <-srv.done:
			cancel()
		case <-ctx.Done():
		}
	}()
	done := make(chan struct{})
	go func() { defer close(done); agents(ctx, "http://"+srv.http, s.aps, l) }()
	acctLoad(ctx, srv.acct, prefix, 8, l)
	<-done
}

// kills runs Rounds rounds of load with a SIGKILL in the middle of it;
// check then restarts the server once more and checks every
// acknowledgement.
func (s *Suite) kills(ctx context.Context, dir string, l *ledger) (Outcome, error) {
	o := Outcome{Case: "SIGKILL under accounting and agent load", Rounds: s.cfg.Rounds}
	for r := range s.cfg.Rounds {
		srv, err := s.start(dir)
		if err != nil {
			o.Failures = append(o.Failures, fmt.Sprintf("round %d: restart after SIGKILL: %v", r, err))
			return o, nil
		}
		killed := make(chan struct{})
		go func() {
			defer close(killed)
			// Kill at a random moment in the second half of the load.
			time.Sleep(s.cfg.Load/2 + time.Duration(s.rng.Int64N(int64(s.cfg.Load/2))))
			srv.kill()
		}()
		s.load(ctx, srv, fmt.Sprintf("kill%d", r), s.cfg.Load+2*time.Second, l)
		<-killed
		a, g := l.counts()
		o.Server = append(o.Server, fmt.Sprintf("round %d: restarted and served; %d accounting and %d reports acknowledged so far", r, a, g))
		s.logf("kill round %d: %d accounting, %d reports acknowledged so far", r, a, g)
	}
	return o, nil
}

// check starts the server on dir, verifies the ledger against it and
// stops it, adding what it found to o.
func (s *Suite) check(ctx context.Context, dir string, l *ledger, o Outcome) (Outcome, error) {
	srv, err := s.start(dir)
	if err != nil {
		o.Failures = append(o.Failures, "start for the check: "+err.Error())
		return o, nil
	}
	return s.checkOn(ctx, srv, dir, l, o), nil
}

// checkOn is check on a server already running on dir.
func (s *Suite) checkOn(ctx context.Context, srv *server, dir string, l *ledger, o Outcome) Outcome {
	lost, err := s.verify(ctx, srv, dir, l)
	if serr := srv.stop(); err == nil && serr != nil {
		err = fmt.Errorf("stop: %w", serr)
	}
	o.Acked, o.Lost = lost.acked, lost.lost
	if err != nil {
		o.Failures = append(o.Failures, "check: "+err.Error())
	}
	if lost.lost > 0 {
		o.Failures = append(o.Failures, fmt.Sprintf("%d acknowledged records missing: %s", lost.lost, strings.Join(lost.examples, "; ")))
	}
	return o
}
