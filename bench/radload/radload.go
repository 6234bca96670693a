// Package radload is a RADIUS load generator: many concurrent clients, each
// with its own socket, sending PAP Access-Requests with a
// Message-Authenticator or accounting Interim-Updates (for one session per
// client, or each for a session the server has not seen), one outstanding
// request per client (closed loop), and measuring throughput and latency.
// It is what "wifihk-bench radius" runs, against wifihk or any RADIUS
// server.
package radload

import (
	"context"
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"slices"
	"sync"
	"time"

	layeh "layeh.com/radius"
	"layeh.com/radius/rfc2865"
	"layeh.com/radius/rfc2866"
)

// Config is one load run.
type Config struct {
	Server string // host:port
	Secret string // shared secret
	// Mode is "auth" (PAP Access-Request), "acct" (Interim-Update, one
	// session per client, growing counters) or "acctnew" (every packet an
	// Interim-Update for a new session, as after a NAS restart or a
	// failover to another server: the server has not seen it before).
	Mode        string
	Concurrency int           // clients, each with one request outstanding; default 64
	Duration    time.Duration // default 10s
	Timeout     time.Duration // per request; default 2s
	Username    string        // auth: default "demo"
	Password    string        // auth: default "demo1234"
	// Sockets, when set, puts the clients on that many sockets (as a few
	// busy NAS do, up to 255 outstanding requests each), each driven by
	// one goroutine with batched reads and writes, so the load tool takes
	// far less CPU from the server it shares a machine with. 0 gives
	// every client its own socket and goroutine.
	Sockets int
}

// Result is what a run measured.
type Result struct {
	Mode        string        `json:"mode"`
	Concurrency int           `json:"concurrency"`
	Duration    time.Duration `json:"duration_ns"`
	Sent        int           `json:"sent"`
	Answered    int           `json:"answered"`
	Accepted    int           `json:"accepted"` // Access-Accept or Accounting-Response
	Rejected    int           `json:"rejected"`
	Timeouts    int           `json:"timeouts"`
	PerSecond   float64       `json:"per_second"` // answered per second
	P50         time.Duration `json:"p50_ns"`
	P90         time.Duration `json:"p90_ns"`
	P99         time.Duration `json:"p99_ns"`
	Max         time.Duration `json:"max_ns"`
}

func (r Result) String() string {
	return fmt.Sprintf("%s c=%d: %.0f/s answered (%d sent, %d ok, %d rejected, %d timeouts in %v); latency p50 %v p90 %v p99 %v max %v",
		r.Mode, r.Concurrency, r.PerSecond, r.Sent, r.Accepted, r.Rejected, r.Timeouts, r.Duration.Round(time.Millisecond),
		r.P50.Round(time.Microsecond), r.P90.Round(time.Microsecond), r.P99.Round(time.Microsecond), r.Max.Round(time.Microsecond))
}

// Run sends load until cfg.Duration has passed or ctx ends.
func Run(ctx context.Context, cfg Config) (Result, error) {
	if err := cfg.defaults(); err != nil {
		return Result{}, err
	}
	if cfg.Sockets > 0 {
		return runMux(ctx, cfg)
	}
	workers := make([]*worker, cfg.Concurrency)
	for i := range workers {
		w, err := newWorker(cfg, i)
		if err != nil {
			for _, o := range workers[:i] {
				o.conn.Close()
			}
			return Result{}, err
		}
		workers[i] = w
	}
	start := time.Now()
	end := start.Add(cfg.Duration)
	var wg sync.WaitGroup
	for _, w := range workers {
		wg.Add(1)
		go func() { defer wg.Done(); w.run(ctx, end) }()
	}
	wg.Wait()
	return summarise(cfg, workers, time.Since(start)), nil
}

func (c *Config) defaults() error {
	if c.Server == "" || c.Secret == "" {
		return errors.New("radload: server and secret are required")
	}
	if c.Mode == "" {
		c.Mode = "auth"
	}
	if c.Mode != "auth" && c.Mode != "acct" && c.Mode != "acctnew" {
		return fmt.Errorf("radload: mode: %q is not auth, acct or acctnew", c.Mode)
	}
	if c.Concurrency <= 0 {
		c.Concurrency = 64
	}
	if c.Duration <= 0 {
		c.Duration = 10 * time.Second
	}
	if c.Timeout <= 0 {
		c.Timeout = 2 * time.Second
	}
	if c.Username == "" {
		c.Username, c.Password = "demo", "demo1234"
	}
	if c.Sockets > 0 && (c.Concurrency+c.Sockets-1)/c.Sockets > 255 {
		return fmt.Errorf("radload: %d clients need at least %d sockets (255 outstanding requests each)", c.Concurrency, (c.Concurrency+254)/255)
	}
	return nil
}

type worker struct {
	cfg       Config
	n         int
	conn      *net.UDPConn
	seq       uint32
	lat       []time.Duration
	sent      int
	accepted  int
	rejected  int
	timeouts  int
	buf       []byte
	sessionID string
	// The request template and where its variable parts are.
	tmpl                          []byte
	id                            int // Identifier on a shared socket; -1 for its own
	salt                          uint64
	pwPad                         []byte
	pwOff, timeOff, inOff, outOff int
	sidOff                        int // acctnew: the session ID's 8 hex digits that count
}

func newWorker(cfg Config, n int) (*worker, error) {
	ua, err := net.ResolveUDPAddr("udp", cfg.Server)
	if err != nil {
		return nil, fmt.Errorf("radload: server: %w", err)
	}
	conn, err := net.DialUDP("udp", nil, ua)
	if err != nil {
		return nil, fmt.Errorf("radload: %w", err)
	}
	var tag [4]byte
	rand.Read(tag[:])
	return &worker{cfg: cfg, n: n, conn: conn, buf: make([]byte, 4096), id: -1,
		sessionID: fmt.Sprintf("load-%x-%d", tag, n)}, nil
}

func (w *worker) run(ctx context.Context, end time.Time) {
	defer w.conn.Close()
	for ctx.Err() == nil && time.Now().Before(end) {
		req, err := w.request()
		if err != nil {
			return
		}
		t0 := time.Now()
		if _, err := w.conn.Write(req); err != nil {
			return
		}
		w.await(req, t0, end)
	}
}

// await reads until the reply to req arrives or the timeout passes;
// replies to earlier (timed-out) requests are skipped. A request still
// unanswered when the run ends is not counted at all.
func (w *worker) await(req []byte, t0, end time.Time) {
	deadline := t0.Add(w.cfg.Timeout)
	cut := deadline.After(end)
	if cut {
		deadline = end
	}
	w.conn.SetReadDeadline(deadline)
	for {
		n, err := w.conn.Read(w.buf)
		if err != nil {
			if !cut {
				w.sent++
				w.timeouts++
			}
			return
		}
		b := w.buf[:n]
		if n < 20 || b[1] != req[1] || !layeh.IsAuthenticResponse(b, req, []byte(w.cfg.Secret)) {
			continue
		}
		w.answered(b, t0)
		return
	}
}

// answered counts a valid reply to the request sent at t0.
func (w *worker) answered(b []byte, t0 time.Time) {
	w.sent++
	w.lat = append(w.lat, time.Since(t0))
	switch layeh.Code(b[0]) {
	case layeh.CodeAccessAccept, layeh.CodeAccountingResponse:
		w.accepted++
	default:
		w.rejected++
	}
}

// request returns the next request. The packet is built once from layeh
// attributes as a template; each request then only gets a new Identifier
// and Request Authenticator, the password re-hidden under it (RFC 2865
// §5.2), new counters (accounting) and a new signature, so the load
// generator spends little CPU per packet and takes little from the server
// it shares the machine with.
func (w *worker) request() ([]byte, error) {
	if w.tmpl == nil {
		if err := w.buildTemplate(); err != nil {
			return nil, err
		}
	}
	w.seq++
	b := w.tmpl
	b[1] = byte(w.seq)
	if w.id >= 0 {
		b[1] = byte(w.id)
	}
	binary.BigEndian.PutUint64(b[4:12], w.salt)
	binary.BigEndian.PutUint32(b[12:16], uint32(w.n))
	binary.BigEndian.PutUint32(b[16:20], w.seq)
	secret := []byte(w.cfg.Secret)
	if w.cfg.Mode == "auth" {
		hidePassword(b[w.pwOff:w.pwOff+len(w.pwPad)], w.pwPad, secret, b[4:20])
		clear(b[22:38])
		mac := hmac.New(md5.New, secret)
		mac.Write(b)
		mac.Sum(b[22:22])
		return b, nil
	}
	if w.sidOff > 0 {
		var n [4]byte
		binary.BigEndian.PutUint32(n[:], w.seq)
		hex.Encode(b[w.sidOff:w.sidOff+8], n[:])
	}
	binary.BigEndian.PutUint32(b[w.timeOff:], w.seq)
	binary.BigEndian.PutUint32(b[w.inOff:], w.seq*1000)
	binary.BigEndian.PutUint32(b[w.outOff:], w.seq*5000)
	clear(b[4:20])
	h := md5.New()
	h.Write(b)
	h.Write(secret)
	h.Sum(b[4:4])
	return b, nil
}

// hidePassword writes the RFC 2865 §5.2 User-Password: padded ⊕
// MD5(secret ‖ previous block), starting from the Request Authenticator.
func hidePassword(dst, padded, secret, auth []byte) {
	prev := auth
	for i := 0; i < len(padded); i += 16 {
		h := md5.New()
		h.Write(secret)
		h.Write(prev)
		sum := h.Sum(nil)
		for j := 0; j < 16; j++ {
			dst[i+j] = padded[i+j] ^ sum[j]
		}
		prev = dst[i : i+16]
	}
}

func (w *worker) buildTemplate() error {
	var salt [8]byte
	rand.Read(salt[:])
	w.salt = binary.BigEndian.Uint64(salt[:])
	p := &layeh.Packet{Secret: []byte(w.cfg.Secret)}
	if w.cfg.Mode == "auth" {
		p.Code = layeh.CodeAccessRequest
		p.Add(80, make([]byte, 16)) // Message-Authenticator, first
		rfc2865.UserName_SetString(p, w.cfg.Username)
		n := max(16, (len(w.cfg.Password)+15)/16*16)
		w.pwPad = make([]byte, n)
		copy(w.pwPad, w.cfg.Password)
		p.Add(rfc2865.UserPassword_Type, make([]byte, n))
	} else {
		p.Code = layeh.CodeAccountingRequest
		rfc2866.AcctStatusType_Set(p, rfc2866.AcctStatusType_Value_InterimUpdate)
		sid := w.sessionID
		if w.cfg.Mode == "acctnew" {
			sid += "-00000000" // a new one in every request
		}
		rfc2866.AcctSessionID_SetString(p, sid)
		rfc2865.UserName_SetString(p, w.cfg.Username)
		rfc2866.AcctSessionTime_Set(p, 0)
		rfc2866.AcctInputOctets_Set(p, 0)
		rfc2866.AcctOutputOctets_Set(p, 0)
	}
	rfc2865.NASIPAddress_Set(p, net.IPv4(127, 0, 0, 1))
	rfc2865.CallingStationID_SetString(p, fmt.Sprintf("02-00-00-00-%02X-%02X", w.n>>8&0xff, w.n&0xff))
	b, err := p.MarshalBinary()
	if err != nil {
		return fmt.Errorf("radload: %w", err)
	}
	w.tmpl = b
	w.pwOff = attrOffset(b, rfc2865.UserPassword_Type)
	w.timeOff = attrOffset(b, rfc2866.AcctSessionTime_Type)
	w.inOff = attrOffset(b, rfc2866.AcctInputOctets_Type)
	w.outOff = attrOffset(b, rfc2866.AcctOutputOctets_Type)
	if w.cfg.Mode == "acctnew" {
		w.sidOff = attrOffset(b, rfc2866.AcctSessionID_Type) + len(w.sessionID) + 1
	}
	return nil
}

// attrOffset is where the value of the first attribute of type t starts.
func attrOffset(b []byte, t layeh.Type) int {
	for i := 20; i+1 < len(b) && b[i+1] >= 2; i += int(b[i+1]) {
		if layeh.Type(b[i]) == t {
			return i + 2
		}
	}
	return -1
}

func summarise(cfg Config, ws []*worker, d time.Duration) Result {
	r := Result{Mode: cfg.Mode, Concurrency: cfg.Concurrency, Duration: d}
	var lat []time.Duration
	for _, w := range ws {
		r.Sent += w.sent
		r.Accepted += w.accepted
		r.Rejected += w.rejected
		r.Timeouts += w.timeouts
		lat = append(lat, w.lat...)
	}
	r.Answered = len(lat)
	r.PerSecond = float64(r.Answered) / d.Seconds()
	if len(lat) > 0 {
		slices.Sort(lat)
		q := func(f float64) time.Duration { return lat[min(len(lat)-1, int(f*float64(len(lat))))] }
		r.P50, r.P90, r.P99, r.Max = q(.50), q(.90), q(.99), lat[len(lat)-1]
	}
	return r
}
