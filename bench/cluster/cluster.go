// Package cluster is the fault soak of a wifihk cluster (`wifihk-bench
// cluster`): three `wifihk serve` nodes on one private PostgreSQL primary
// with a synchronous streaming replica, under RADIUS and agent-report
// load from gateways that fail over between nodes as CoovaChilli does.
// One node is SIGKILLed and restarted every few seconds, then the
// primary is killed and the replica promoted; the nodes reach it through
// a multi-host URL with target_session_attrs=read-write. It ends by
// checking the database against the load's own record of every
// acknowledged packet and report.
package cluster

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/wifihk/wifihk/internal/store/postgres/pgtest"
)

// Config is one soak. Zero fields take the defaults named.
type Config struct {
	// Command returns the command that runs `wifihk ARGS…`. Required.
	Command func(args ...string) *exec.Cmd
	// Dir holds the nodes' data dirs. Required.
	Dir string
	// Duration of the load. Default 2m.
	Duration time.Duration
	// Kills is how many times a node is SIGKILLed and restarted, one
	// after the other, in the first 60% of Duration. Default 5.
	Kills int
	// Failover kills the PostgreSQL primary at 70% of Duration and
	// promotes the replica.
	Failover bool
	// NASTimeout is how long a gateway waits for one server before it
	// tries the other. Default 1s.
	NASTimeout time.Duration
	// Accounts (each logged in from two devices at once), Devices (each
	// with free passes, one more than its daily allowance) and APs.
	// Defaults 6, 150, 6.
	Accounts, Devices, APs int
	// Pace is the pause between one client's packets. Default 50ms.
	Pace time.Duration
	// SimUseWindow is the documented delay before a session counts on
	// every node (a Start applied and announced). Default 1s.
	SimUseWindow time.Duration
	// Log receives progress lines; quiet when nil.
	Log io.Writer
}

func (c *Config) defaults() error {
	if c.Command == nil || c.Dir == "" {
		return errors.New("cluster: Command and Dir are required")
	}
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	defDur := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	defDur(&c.Duration, 2*time.Minute)
	defDur(&c.NASTimeout, time.Second)
	defDur(&c.Pace, 50*time.Millisecond)
	defDur(&c.SimUseWindow, time.Second)
	def(&c.Kills, 5)
	def(&c.Accounts, 6)
	def(&c.Devices, 150)
	def(&c.APs, 6)
	if c.Log == nil {
		c.Log = io.Discard
	}
	return nil
}

// Result is a soak's outcome.
type Result struct {
	Duration   time.Duration `json:"duration_ns"`
	NASTimeout time.Duration `json:"nas_timeout_ns"`
	Kills      []Kill        `json:"kills"`
	// Promotion runs from the primary's kill to the replica accepting
	// writes (pg_ctl promote -w); zero without a failover.
	Promotion time.Duration `json:"promotion_ns,omitempty"`
	Auth      AuthFigures   `json:"auth"`
	Check     Check         `json:"check"`
	// Failures are the checks that did not hold; none is a pass.
	Failures []string `json:"failures,omitempty"`
}

// Kill is one node SIGKILLed and restarted.
type Kill struct {
	Node string        `json:"node"`
	At   time.Duration `json:"at_ns"`   // since the load began
	Down time.Duration `json:"down_ns"` // until it served again
}

// Run runs the soak. An error means it could not run; failed checks are
// in Result.Failures.
func Run(ctx context.Context, cfg Config) (Result, error) {
	if err := cfg.defaults(); err != nil {
		return Result{}, err
	}
	res := Result{Duration: cfg.Duration, NASTimeout: cfg.NASTimeout}
	primary, err := pgtest.Start(pgtest.Options{})
	if err != nil {
		return res, err
	}
	defer primary.Stop()
	dbURL, err := primary.CreateDB()
	if err != nil {
		return res, err
	}
	u, _ := url.Parse(dbURL)
	db := strings.TrimPrefix(u.Path, "/")
	servers, final := []*pgtest.Server{primary}, primary
	if cfg.Failover {
		replica, err := primary.StartReplica(true) // a commit acknowledged is on both
		if err != nil {
			return res, err
		}
		defer replica.Stop()
		servers, final = append(servers, replica), replica
	}
	storeURL := pgtest.MultiHostURL(db, servers...) + "&tx_timeout=3s&connect_timeout=2"
	s := &soak{cfg: cfg, l: newLedger(), res: &res, primary: primary, final: final}
	if err := s.setUp(storeURL); err != nil {
		return res, err
	}
	defer s.stopNodes()
	s.run(ctx, storeURL)
	if err := waitCaughtUp(ctx, s.nodes, time.Minute); err != nil {
		res.Failures = append(res.Failures, err.Error())
	}
	if err := s.stopNodes(); err != nil {
		res.Failures = append(res.Failures, err.Error())
	}
	res.Auth = authFigures(s.l, s.start, s.failWindow)
	if res.Check, err = verify(ctx, final.URL(db), s.l, s.seeded.perDay, cfg.SimUseWindow); err != nil {
		return res, err
	}
	res.Failures = append(res.Failures, judge(res)...)
	return res, nil
}

// soak is one run's state.
type soak struct {
	cfg        Config
	l          *ledger
	res        *Result
	nodes      []*node
	seeded     seeded
	primary    *pgtest.Server
	final      *pgtest.Server // the server that holds the data at the end
	start      time.Time
	failWindow [2]time.Time // primary killed, replica promoted
}

func (s *soak) logf(format string, args ...any) {
	fmt.Fprintf(s.cfg.Log, "cluster: "+format+"\n", args...)
}

// setUp seeds the database and starts the three nodes.
func (s *soak) setUp(storeURL string) error {
	var dirs []string
	for _, name := range []string{"A", "B", "C"} {
		dir := filepath.Join(s.cfg.Dir, name)
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return err
		}
		n, err := newNode(name, dir)
		if err != nil {
			return err
		}
		s.nodes, dirs = append(s.nodes, n), append(dirs, dir)
	}
	var err error
	if s.seeded, err = seed(dirs, storeURL, s.cfg); err != nil {
		return err
	}
	errs := make([]error, len(s.nodes))
	var wg sync.WaitGroup
	for i, n := range s.nodes {
		wg.Go(func() { errs[i] = n.start(s.cfg.Command, storeURL) })
	}
	wg.Wait()
	s.logf("3 nodes serving; %d accounts, %d devices, %d APs", len(s.seeded.accounts), len(s.seeded.devices), len(s.seeded.aps))
	return errors.Join(errs...)
}

func (s *soak) stopNodes() error {
	var errs []error
	for _, n := range s.nodes {
		errs = append(errs, n.stop())
	}
	return errors.Join(errs...)
}

// run loads the cluster for Duration while it kills nodes and, with
// Failover, the primary.
func (s *soak) run(ctx context.Context, storeURL string) {
	ld := &load{l: s.l, nodes: s.nodes, pace: s.cfg.Pace, interims: 3}
	// Gateways on the three pairs of nodes, so that with one node down
	// each has a server left.
	for i := range s.nodes {
		ld.gateways = append(ld.gateways, &gateway{servers: [2]*node{s.nodes[i], s.nodes[(i+1)%3]}, timeout: s.cfg.NASTimeout})
	}
	lctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	s.start = time.Now()
	for i, user := range s.seeded.accounts {
		for dev := range 2 { // two devices on different gateways
			g := ld.gateways[(i+dev)%len(ld.gateways)]
			mac := fmt.Sprintf("02:5a:00:00:%02x:%02x", i, dev)
			wg.Go(func() { ld.account(lctx, g, user, mac) })
		}
	}
	devs := s.seeded.devices
	for i, g := range ld.gateways {
		mine := devs[i*len(devs)/len(ld.gateways) : (i+1)*len(devs)/len(ld.gateways)]
		spacing := s.cfg.Duration / time.Duration(max(1, len(mine)))
		wg.Go(func() { ld.devices(lctx, g, mine, spacing) })
	}
	i := 0
	for ap, tok := range s.seeded.aps {
		first := i % len(s.nodes)
		wg.Go(func() { ld.reports(lctx, ap, tok, first) })
		i++
	}
	s.faults(ctx, storeURL)
	sleep(ctx, time.Until(s.start.Add(s.cfg.Duration)))
	stop()
	wg.Wait()
	a, g := s.l.counts()
	s.logf("load over: %d accounting packets, %d reports acknowledged", a, g)
}

// faults kills and restarts each node in turn, Kills times over the first
// 60% of the load, then with Failover kills the primary at 70% and
// promotes the replica.
func (s *soak) faults(ctx context.Context, storeURL string) {
	every := s.cfg.Duration * 6 / 10 / time.Duration(s.cfg.Kills+1)
	for k := range s.cfg.Kills {
		sleep(ctx, time.Until(s.start.Add(every*time.Duration(k+1))))
		n := s.nodes[k%len(s.nodes)]
		at := time.Now()
		n.kill()
		if err := n.start(s.cfg.Command, storeURL); err != nil {
			s.res.Failures = append(s.res.Failures, fmt.Sprintf("restart of node %s after SIGKILL: %v", n.name, err))
			return
		}
		kl := Kill{Node: n.name, At: at.Sub(s.start), Down: time.Since(at)}
		s.res.Kills = append(s.res.Kills, kl)
		s.logf("node %s killed at %v, serving again after %v", n.name, kl.At.Round(time.Millisecond), kl.Down.Round(time.Millisecond))
	}
	if !s.cfg.Failover {
		return
	}
	sleep(ctx, time.Until(s.start.Add(s.cfg.Duration*7/10)))
	s.failWindow[0] = time.Now()
	s.primary.Kill()
	if err := s.final.Promote(); err != nil {
		s.res.Failures = append(s.res.Failures, err.Error())
		return
	}
	s.failWindow[1] = time.Now()
	s.res.Promotion = s.failWindow[1].Sub(s.failWindow[0])
	s.logf("primary killed at %v, replica promoted in %v", s.failWindow[0].Sub(s.start).Round(time.Millisecond),
		s.res.Promotion.Round(time.Millisecond))
}

func (l *ledger) counts() (acct, agent int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.acct, l.agent
}
