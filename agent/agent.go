package agent

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"sort"
	"time"

	"github.com/wifihk/wifihk/agent/wire"
)

// Errors Run returns with Config.Once.
var (
	// ErrRefused means the controller refused a report for good (bad
	// token, malformed, too large).
	ErrRefused = errors.New("agent: controller refused a report")
	// ErrSpooled means a report could not be delivered now and waits in the
	// spool for the next run.
	ErrSpooled = errors.New("agent: report spooled for later")
)

// Event says what became of one report.
type Event struct {
	Seq     uint64
	Outcome string // "delivered", "spooled", "refused" or "dropped" (spool full)
	Err     error
}

// Options are the agent's collaborators. The zero value is fine.
type Options struct {
	Log     Logger // default: discard (a *slog.Logger will do)
	Version string // sent as agent_version
	// Source replaces the capture Config names (tests, benchmarks).
	Source Source
	// Observe is told what became of every report, from Run's goroutine.
	Observe func(Event)
	// Ready is called once capture has started.
	Ready func()
}

// Agent measures a client-facing interface and reports to the controller.
type Agent struct {
	cfg     Config
	opt     Options
	log     Logger
	counter *Counter
	spool   *Spool
	send    *sender
	sys     System
	key     []byte // HMAC key for pseudonyms
	exclude map[MAC]bool
	gw      MAC // configured gateway, or zero
	lastGW  MAC // last gateway found, kept while discovery fails
	live    Live

	start   time.Time // the current interval's start (live)
	backoff time.Duration
	retry   *time.Timer
	refused error
}

// New checks the configuration and opens the spool; Run starts capturing.
func New(cfg Config, opt Options) (*Agent, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if opt.Log == nil {
		opt.Log = discard{}
	}
	if opt.Version == "" {
		opt.Version = "dev"
	}
	token, key, err := cfg.secrets()
	if err != nil {
		return nil, err
	}
	a := &Agent{cfg: cfg, opt: opt, log: opt.Log, counter: NewCounter(),
		sys: System{Root: cfg.ProcRoot}, key: key, exclude: map[MAC]bool{}}
	if cfg.Pseudonymise && len(a.key) == 0 {
		sum := sha256.Sum256([]byte("wifihk-agent pseudonym key\x00" + token))
		a.key = sum[:]
		a.log.Warn("no pseudonym_key: pseudonyms are per AP (derived from the token)")
	}
	for _, s := range cfg.ExcludeMACs {
		m, _ := ParseMAC(s)
		a.exclude[m] = true
	}
	if cfg.Gateway != "" {
		a.gw, _ = ParseMAC(cfg.Gateway)
	}
	if a.send, err = newSender(cfg, token, opt.Version); err != nil {
		return nil, err
	}
	if a.spool, err = OpenSpool(cfg.SpoolDir, cfg.SpoolMaxBytes, cfg.SpoolMaxFiles); err != nil {
		return nil, err
	}
	return a, nil
}

// Counter is the agent's frame counter (for benchmarks).
func (a *Agent) Counter() *Counter { return a.counter }

// Run captures and reports until ctx ends (a last report is sent or
// spooled then), the replay ends, or after one report with Config.Once.
func (a *Agent) Run(ctx context.Context) error {
	src, err := a.openSource()
	if err != nil {
		return err
	}
	a.start = time.Now()
	done := make(chan error, 1)
	go func() { done <- a.capture(ctx, src) }()
	if a.opt.Ready != nil {
		a.opt.Ready()
	}
	a.log.Info("capturing", "iface", a.cfg.Iface, "pcap", a.cfg.Pcap, "interval", a.cfg.Interval,
		"spooled", a.spool.Len())
	if a.cfg.Pcap != "" || a.opt.Source != nil && a.cfg.Iface == "" {
		return a.replay(ctx, done)
	}
	return a.loop(ctx, done)
}

func (a *Agent) openSource() (Source, error) {
	if a.opt.Source != nil {
		if l, ok := a.opt.Source.(Live); ok {
			a.live = l
		}
		return a.opt.Source, nil
	}
	if a.cfg.Pcap != "" {
		return OpenPcap(a.cfg.Pcap)
	}
	l, err := OpenLive(a.cfg.Iface, a.cfg.Promiscuous)
	if err != nil {
		return nil, err
	}
	a.live = l
	return l, nil
}

// capture feeds frames to the counter until the source ends or fails, or
// ctx ends (noticed at the next frame). It closes the source.
func (a *Agent) capture(ctx context.Context, src Source) error {
	defer src.Close()
	for n := 0; ; n++ {
		data, ci, err := src.ZeroCopyReadPacketData()
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return err
		}
		a.counter.Observe(data, ci)
		if n&255 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
	}
}

// replay reads the whole file, then sends one report for it.
func (a *Agent) replay(ctx context.Context, done <-chan error) error {
	select {
	case err := <-done:
		if !errors.Is(err, io.EOF) {
			return fmt.Errorf("agent: replay: %w", err)
		}
	case <-ctx.Done():
		return ctx.Err()
	}
	a.report(ctx, time.Time{})
	return a.onceResult()
}

// loop reports every interval and retries the spool with backoff.
func (a *Agent) loop(ctx context.Context, done <-chan error) error {
	tick := time.NewTicker(a.cfg.Interval)
	defer tick.Stop()
	a.retry = time.NewTimer(0)
	if a.spool.Len() == 0 {
		a.retry.Stop()
	}
	defer a.retry.Stop()
	for {
		select {
		case <-ctx.Done():
			// A last report for the partial interval, so a restart loses
			// nothing: sent if the controller answers quickly, else spooled.
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			a.report(sctx, time.Now())
			cancel()
			return nil
		case err := <-done:
			a.report(ctx, time.Now())
			return fmt.Errorf("agent: capture: %w", err)
		case now := <-tick.C:
			a.report(ctx, now)
			if a.cfg.Once {
				return a.onceResult()
			}
		case <-a.retry.C:
			a.drain(ctx)
		}
	}
}

func (a *Agent) onceResult() error {
	switch {
	case a.refused != nil:
		return fmt.Errorf("%w: %v", ErrRefused, a.refused)
	case a.spool.Len() > 0:
		return ErrSpooled
	}
	return nil
}

// report closes the interval at end (zero: the replay's last frame), and
// sends its report, or spools it.
func (a *Agent) report(ctx context.Context, end time.Time) {
	r, err := a.buildReport(end)
	if err != nil {
		a.log.Error("report not built", "err", err)
		return
	}
	body, err := encodeReport(r)
	if err != nil {
		a.log.Error("report not encoded", "seq", r.Seq, "err", err)
		return
	}
	if a.spool.Len() == 0 {
		out, err := a.send.send(ctx, body)
		if out != transient {
			a.settle(r.Seq, out, err)
			return
		}
		a.log.Warn("controller unreachable, spooling", "seq", r.Seq, "err", err)
	}
	a.put(r.Seq, body)
	a.drain(ctx)
}

func (a *Agent) put(seq uint64, body []byte) {
	dropped, err := a.spool.Put(seq, body)
	if err != nil {
		a.log.Error("report lost: spool write failed", "seq", seq, "err", err)
		a.observe(Event{Seq: seq, Outcome: "dropped", Err: err})
		return
	}
	a.observe(Event{Seq: seq, Outcome: "spooled"})
	if dropped > 0 {
		a.log.Warn("spool full: dropped the oldest reports", "dropped", dropped)
		a.observe(Event{Outcome: "dropped"})
	}
}

// drain sends spooled reports oldest first until one fails transiently,
// then schedules a retry with jittered exponential backoff.
func (a *Agent) drain(ctx context.Context) {
	for a.spool.Len() > 0 && ctx.Err() == nil {
		seq, body, err := a.spool.Oldest()
		if err != nil {
			a.log.Error("unreadable spooled report removed", "seq", seq, "err", err)
			a.spool.Remove(seq)
			continue
		}
		out, err := a.send.send(ctx, body)
		if out == transient {
			a.scheduleRetry(err)
			return
		}
		if err := a.spool.Remove(seq); err != nil {
			a.log.Error("spool", "err", err)
		}
		a.settle(seq, out, err)
	}
	a.backoff = 0
}

func (a *Agent) settle(seq uint64, out outcome, err error) {
	if out == refused {
		// Final: logged, not spooled, not retried.
		a.refused = err
		a.log.Error("report refused", "seq", seq, "err", err)
		a.observe(Event{Seq: seq, Outcome: "refused", Err: err})
		return
	}
	a.log.Debug("report delivered", "seq", seq)
	a.observe(Event{Seq: seq, Outcome: "delivered"})
}

func (a *Agent) scheduleRetry(err error) {
	if a.backoff == 0 {
		a.backoff = a.cfg.BackoffMin
	} else {
		a.backoff = min(2*a.backoff, a.cfg.BackoffMax)
	}
	// Equal jitter: half fixed, half random, so that a fleet whose
	// controller comes back does not retry in step.
	d := a.backoff/2 + rand.N(a.backoff/2+1)
	a.log.Info("will retry spooled reports", "in", d.Round(time.Millisecond), "waiting", a.spool.Len(), "err", err)
	if a.retry != nil {
		a.retry.Reset(d)
	}
}

func (a *Agent) observe(e Event) {
	if a.opt.Observe != nil {
		a.opt.Observe(e)
	}
}

// gateway is the MAC that splits up from down for this interval.
func (a *Agent) gateway() MAC {
	if a.gw != (MAC{}) {
		return a.gw
	}
	if a.live == nil {
		return MAC{} // replay: inferred from the traffic
	}
	ip, dev, err := a.sys.DefaultGateway()
	if err == nil {
		if dev != a.cfg.Iface {
			// The AP routes: clients send to the AP itself.
			return a.live.LocalMAC()
		}
		if m, err := a.sys.Neighbour(ip); err == nil {
			return m
		}
	}
	return MAC{}
}

func (a *Agent) buildReport(end time.Time) (*wire.Report, error) {
	gw := a.gateway()
	exclude := a.exclude
	if a.live != nil {
		exclude = map[MAC]bool{a.live.LocalMAC(): true}
		for m := range a.exclude {
			exclude[m] = true
		}
	}
	replay := end.IsZero()
	// On replay, "now" is the file's last frame (Now zero).
	snap := a.counter.Snapshot(SnapshotOptions{Gateway: orMAC(gw, a.lastGW), Exclude: exclude,
		Now: end, Active: a.cfg.ActiveWindow, Forget: a.cfg.ForgetAfter})
	if replay {
		// The replay's own clock: its interval is the file's first to last
		// frame.
		if snap.Last.IsZero() {
			snap.First, snap.Last = time.Now(), time.Now()
		}
		a.start, end = snap.First, snap.Last
	}
	if snap.Gateway != (MAC{}) {
		a.lastGW = snap.Gateway
	}
	seq, err := a.spool.NextSeq()
	if err != nil {
		return nil, err
	}
	r := &wire.Report{
		Version: wire.Version, Seq: seq, AgentVersion: a.opt.Version,
		Start: a.start.UTC(), End: end.UTC(), IntervalS: max(1, int(a.cfg.Interval/time.Second)),
		Pseudonymised: a.cfg.Pseudonymise, Clients: []wire.Client{},
	}
	a.start = end
	if snap.Gateway != (MAC{}) {
		r.Gateway = snap.Gateway.String()
	}
	sort.Slice(snap.Clients, func(i, j int) bool { return lessMAC(snap.Clients[i].MAC, snap.Clients[j].MAC) })
	for _, t := range snap.Clients {
		c := wire.Client{ID: a.clientID(t.MAC), BytesUp: t.BytesUp, BytesDown: t.BytesDown,
			PacketsUp: t.PacketsUp, PacketsDown: t.PacketsDown, FirstSeen: t.FirstSeen, LastSeen: t.LastSeen}
		if t.IP.IsValid() {
			c.IP = t.IP.String()
		}
		if a.cfg.SendHostnames {
			c.Hostname = t.Hostname
		}
		r.Clients = append(r.Clients, c)
		r.AP.BytesUp += t.BytesUp
		r.AP.BytesDown += t.BytesDown
		r.AP.PacketsUp += t.PacketsUp
		r.AP.PacketsDown += t.PacketsDown
	}
	r.AP.Iface = a.cfg.Iface
	r.AP.ClientsInterval, r.AP.ClientsNow = len(r.Clients), snap.Now
	r.AP.Captured, r.AP.CaptureDrops = snap.Captured, snap.Dropped
	if a.live != nil {
		r.AP.CaptureDrops += a.live.Drops()
	}
	a.sys.Fill(&r.AP, a.cfg.Iface)
	return r, nil
}

func orMAC(a, b MAC) MAC {
	if a != (MAC{}) {
		return a
	}
	return b
}

// clientID is the MAC, or its pseudonym: the first 96 bits of
// HMAC-SHA256(key, MAC), in hex.
func (a *Agent) clientID(m MAC) string {
	if !a.cfg.Pseudonymise {
		return m.String()
	}
	return Pseudonym(a.key, m)
}

// Pseudonym is what a client MAC is sent as under key.
func Pseudonym(key []byte, m MAC) string {
	h := hmac.New(sha256.New, key)
	h.Write(m[:])
	return wire.PseudonymPrefix + hex.EncodeToString(h.Sum(nil)[:12])
}

// encodeReport gzips r's JSON. A report too large for the controller keeps
// its totals and sheds the smallest clients until it fits.
func encodeReport(r *wire.Report) ([]byte, error) {
	for {
		raw := r.AppendJSON(nil)
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write(raw)
		if err := zw.Close(); err != nil {
			return nil, fmt.Errorf("agent: encode: %w", err)
		}
		if buf.Len() <= wire.MaxBodyBytes || len(r.Clients) == 0 {
			return buf.Bytes(), nil
		}
		sort.SliceStable(r.Clients, func(i, j int) bool {
			return r.Clients[i].BytesUp+r.Clients[i].BytesDown > r.Clients[j].BytesUp+r.Clients[j].BytesDown
		})
		r.Clients = r.Clients[:len(r.Clients)/2]
	}
}
