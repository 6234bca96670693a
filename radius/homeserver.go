package radius

import (
	"cmp"
	"context"
	"crypto/rand"
	"net"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	layeh "layeh.com/radius"
	"layeh.com/radius/rfc2865"

	"github.com/wifihk/wifihk/hotspots"
)

// homeServer is one home server's transport and health. It is dead after
// DeadAfter requests in a row went unanswered and alive again when it
// answers a Status-Server (RFC 5997 §4.3); while dead it gets no
// requests, only probes.
type homeServer struct {
	cfg       hotspots.RouteServer
	name      string // "udp/127.0.0.1:1812", its metrics label
	ex        Exchanger
	deadAfter int
	met       *proxyMetrics
	// its wifihk_proxy_server_requests_total counters, looked up once
	answered, timedOut prometheus.Counter
	late               prometheus.Collector // its late-answers counter, when registered

	mu          sync.Mutex
	alive       bool
	failures    int // unanswered requests in a row
	lastProbe   time.Time
	lastProbeOK bool
	died        time.Time
	retired     bool // forgotten by the proxy: counts nothing more

	answers, timeouts atomic.Uint64
	lastAnswer        atomic.Int64 // unix nanos
	stop              chan struct{}
}

// ServerHealth is a home server's state, for the console and the API.
type ServerHealth struct {
	Server      string    `json:"server"` // transport/address, and the client certificate when the realm has its own
	Transport   string    `json:"transport"`
	Address     string    `json:"address"`        // where it is reached
	Host        string    `json:"host,omitempty"` // name:port, when it was given by name
	Alive       bool      `json:"alive"`
	LastProbe   time.Time `json:"last_probe,omitzero"`
	LastProbeOK bool      `json:"last_probe_ok"`
	Answers     uint64    `json:"answers"`
	Timeouts    uint64    `json:"timeouts"`
	Late        uint64    `json:"late_answers"`
	// Realms are the realms (routes) that use the server now: for a
	// server found in the DNS, the dynamic realm it was found for.
	Realms []string `json:"realms,omitempty"`
}

// lateCounter is an Exchanger that counts answers no request waited for.
type lateCounter interface {
	LateAnswers() uint64
}

func (h *homeServer) isAlive() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.alive
}

// goExchanger is an Exchanger that can call back instead of waiting
// (UDPClient).
type goExchanger interface {
	Go(p *layeh.Packet, hold *SendHold, done AnswerFunc)
}

// exchange sends p and records the outcome.
func (h *homeServer) exchange(ctx context.Context, p *layeh.Packet) (*layeh.Packet, error) {
	a, err := h.ex.Exchange(ctx, p)
	return a, h.record(err)
}

// start is exchange without waiting: it calls done with the outcome, from
// the transport's reader when it can call back (hold then delays the
// send, see UDPClient.Go), else from a goroutine of its own.
func (h *homeServer) start(ctx context.Context, p *layeh.Packet, hold *SendHold, done AnswerFunc) {
	if g, ok := h.ex.(goExchanger); ok {
		g.Go(p, hold, func(a *layeh.Packet, err error, after *SendHold) { done(a, h.record(err), after) })
		return
	}
	go func() {
		a, err := h.ex.Exchange(ctx, p)
		done(a, h.record(err), nil)
	}()
}

// record counts an exchange's outcome and returns its error.
func (h *homeServer) record(err error) error {
	if err != nil {
		h.timeouts.Add(1)
		h.timedOut.Inc()
		h.failed()
		return err
	}
	h.answers.Add(1)
	h.lastAnswer.Store(time.Now().UnixNano())
	h.answered.Inc()
	h.mu.Lock()
	h.failures = 0
	h.mu.Unlock()
	return nil
}

func (h *homeServer) failed() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.failures++
	if h.alive && h.failures >= h.deadAfter && !h.retired {
		h.alive, h.died = false, time.Now()
		h.met.alive.WithLabelValues(h.name).Set(0)
	}
}

// probe sends one Status-Server and marks the server alive on an answer.
func (h *homeServer) probe(ctx context.Context) {
	p := layeh.New(layeh.CodeStatusServer, []byte(h.cfg.Secret))
	rand.Read(p.Authenticator[:])
	rfc2865.NASIdentifier_SetString(p, "wifihk")
	_, err := h.ex.Exchange(ctx, p)
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.retired {
		return
	}
	h.lastProbe, h.lastProbeOK = time.Now(), err == nil
	if err != nil {
		h.met.probes.WithLabelValues(h.name, "timeout").Inc()
		h.failures++
		if h.alive && h.failures >= h.deadAfter {
			h.alive, h.died = false, time.Now()
			h.met.alive.WithLabelValues(h.name).Set(0)
		}
		return
	}
	h.met.probes.WithLabelValues(h.name, "answer").Inc()
	h.failures = 0
	if !h.alive {
		h.alive = true
		h.met.alive.WithLabelValues(h.name).Set(1)
	}
}

// watch probes the server every interval while it is dead, and while it
// is alive but has answered nothing for an interval (so an idle server's
// death is found before a visitor waits for it).
func (h *homeServer) watch(interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-h.stop:
			return
		case <-t.C:
		}
		if h.isAlive() && time.Since(time.Unix(0, h.lastAnswer.Load())) < interval {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), interval)
		h.probe(ctx)
		cancel()
	}
}

func (h *homeServer) health() ServerHealth {
	h.mu.Lock()
	defer h.mu.Unlock()
	hl := ServerHealth{Server: h.name, Transport: h.cfg.Transport, Address: h.cfg.Address.String(),
		Alive: h.alive, LastProbe: h.lastProbe, LastProbeOK: h.lastProbeOK, Answers: h.answers.Load(), Timeouts: h.timeouts.Load()}
	if h.cfg.Host != "" {
		hl.Host = net.JoinHostPort(h.cfg.Host, strconv.Itoa(int(h.cfg.Address.Port())))
	}
	if c, ok := h.ex.(lateCounter); ok {
		hl.Late = c.LateAnswers()
	}
	return hl
}

// HealthFor picks from all the health of s, a listed home server of
// realm: of the one server it names or, when it is given by name, of
// each address the name stands for now, those alive first. None means
// the proxy does not use it now (no request for the realm yet).
func HealthFor(all []ServerHealth, realm string, s hotspots.HomeServer) []ServerHealth {
	var out []ServerHealth
	for _, h := range all {
		if h.Transport != s.Transport || !slices.Contains(h.Realms, realm) {
			continue
		}
		if (s.Host != "" && h.Host == s.Where()) || (s.Host == "" && h.Address == s.Address.String()) {
			out = append(out, h)
		}
	}
	slices.SortStableFunc(out, func(a, b ServerHealth) int { return cmp.Compare(btoi(b.Alive), btoi(a.Alive)) })
	return out
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
