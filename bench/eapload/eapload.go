// Package eapload runs full or resumed EAP-TTLS/PAP or PEAPv0/EAP-MSCHAPv2
// conversations against
// any RADIUS server: closed-loop clients, each a NAS socket relaying one
// device's conversation at a time (Access-Request with EAP-Message and
// Message-Authenticator, Access-Challenge with State, until Accept or
// Reject). It is what "wifihk-bench eap" runs.
package eapload

import (
	"context"
	"crypto/hmac"
	"crypto/md5"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"sync"
	"time"

	layeh "layeh.com/radius"
	"layeh.com/radius/rfc2865"

	"github.com/wifihk/wifihk/radius/eap"
)

// Config is one load run.
type Config struct {
	Server, Secret string
	Concurrency    int           // default 16
	Duration       time.Duration // default 10s
	Timeout        time.Duration // per round trip; default 2s
	Outer          string        // outer identity; default anonymous@wifi.hk
	Username       string        // default demo
	Password       string        // default demo1234
	// CAFile verifies the server certificate (with ServerName); empty
	// skips the check, so that the tool spends its CPU on the handshake
	// the server must do, not on verifying a chain.
	CAFile, ServerName string
	// Resume makes each client resume its previous TLS session (ticket)
	// after its first conversation.
	Resume bool
	// TLS is "1.2", "1.3" or "" (the highest both support).
	TLS string
	// Method is "ttls" (inner PAP; default), "peap" (inner EAP-MSCHAPv2)
	// or "tls" (EAP-TLS with CertFile and KeyFile).
	Method            string
	CertFile, KeyFile string
}

// Result is what a run measured.
type Result struct {
	Method      string        `json:"method"`
	Resume      bool          `json:"resume"`
	TLS         string        `json:"tls"`
	Concurrency int           `json:"concurrency"`
	Duration    time.Duration `json:"duration_ns"`
	Accepted    int           `json:"accepted"`
	Resumed     int           `json:"resumed"` // accepted on a resumed TLS session
	Rejected    int           `json:"rejected"`
	Failed      int           `json:"failed"` // timeouts and protocol errors
	PerSecond   float64       `json:"per_second"`
	Rounds      float64       `json:"rounds"` // RADIUS round trips per accepted conversation
	P50         time.Duration `json:"p50_ns"`
	P99         time.Duration `json:"p99_ns"`
	FirstError  string        `json:"first_error,omitempty"`
}

func (r Result) String() string {
	kind := "full"
	if r.Resume {
		kind = "resumed"
	}
	s := fmt.Sprintf("%s %s TLS %s c=%d: %.0f/s accepted (%d accepted, %d on resumed sessions, %d rejected, %d failed in %v); %.1f round trips each; latency p50 %v p99 %v",
		r.Method, kind, r.TLS, r.Concurrency, r.PerSecond, r.Accepted, r.Resumed, r.Rejected, r.Failed, r.Duration.Round(time.Millisecond),
		r.Rounds, r.P50.Round(time.Microsecond), r.P99.Round(time.Microsecond))
	if r.FirstError != "" {
		s += "; first error: " + r.FirstError
	}
	return s
}

// Run sends load until cfg.Duration has passed or ctx ends.
func Run(ctx context.Context, cfg Config) (Result, error) {
	tc, err := cfg.defaults()
	if err != nil {
		return Result{}, err
	}
	ua, err := net.ResolveUDPAddr("udp", cfg.Server)
	if err != nil {
		return Result{}, fmt.Errorf("eapload: server: %w", err)
	}
	method := map[string]eap.Type{"ttls": eap.TypeTTLS, "peap": eap.TypePEAP, "tls": eap.TypeTLS}[cfg.Method]
	ws := make([]*worker, cfg.Concurrency)
	for i := range ws {
		conn, err := net.DialUDP("udp", nil, ua)
		if err != nil {
			return Result{}, fmt.Errorf("eapload: %w", err)
		}
		defer conn.Close()
		c := tc.Clone()
		if cfg.Resume {
			c.ClientSessionCache = tls.NewLRUClientSessionCache(1)
		}
		ws[i] = &worker{cfg: cfg, conn: conn, buf: make([]byte, 4096),
			peer: &eap.Peer{Method: method, Outer: cfg.Outer, User: cfg.Username, Password: cfg.Password, TLS: c}}
	}
	if cfg.Resume { // one full conversation each, not measured
		for _, w := range ws {
			if _, err := w.peer.Run(w.exchange); err != nil {
				return Result{}, fmt.Errorf("eapload: first conversation: %w", err)
			}
		}
	}
	start := time.Now()
	end := start.Add(cfg.Duration)
	var wg sync.WaitGroup
	for _, w := range ws {
		wg.Add(1)
		go func() { defer wg.Done(); w.run(ctx, end) }()
	}
	wg.Wait()
	return summarise(cfg, ws, time.Since(start)), nil
}

func (c *Config) defaults() (*tls.Config, error) {
	if c.Server == "" || c.Secret == "" {
		return nil, errors.New("eapload: server and secret are required")
	}
	if c.Concurrency <= 0 {
		c.Concurrency = 16
	}
	if c.Duration <= 0 {
		c.Duration = 10 * time.Second
	}
	if c.Timeout <= 0 {
		c.Timeout = 2 * time.Second
	}
	switch c.Method {
	case "":
		c.Method = "ttls"
	case "ttls", "peap":
	case "tls":
		if c.CertFile == "" || c.KeyFile == "" {
			return nil, errors.New("eapload: method tls needs a client certificate and key")
		}
	default:
		return nil, fmt.Errorf("eapload: method: %q is not ttls, peap or tls", c.Method)
	}
	if c.Outer == "" {
		c.Outer = "anonymous@wifi.hk"
	}
	if c.Username == "" {
		c.Username, c.Password = "demo", "demo1234"
	}
	// X25519 and P-256 as wpa_supplicant on OpenSSL 3.0 offers them (no
	// post-quantum share, which would double the ClientHello).
	tc := &tls.Config{ServerName: c.ServerName, CurvePreferences: []tls.CurveID{tls.X25519, tls.CurveP256}}
	switch c.TLS {
	case "":
	case "1.2":
		tc.MaxVersion = tls.VersionTLS12
	case "1.3":
		tc.MinVersion = tls.VersionTLS13
	default:
		return nil, fmt.Errorf("eapload: tls: %q is not 1.2 or 1.3", c.TLS)
	}
	if c.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(c.CertFile, c.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("eapload: client certificate: %w", err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	if c.CAFile == "" {
		tc.InsecureSkipVerify = true
		return tc, nil
	}
	pem, err := os.ReadFile(c.CAFile)
	if err != nil {
		return nil, fmt.Errorf("eapload: %w", err)
	}
	tc.RootCAs = x509.NewCertPool()
	if !tc.RootCAs.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("eapload: %s: no certificate", c.CAFile)
	}
	return tc, nil
}

type worker struct {
	cfg                        Config
	conn                       *net.UDPConn
	buf                        []byte
	peer                       *eap.Peer
	id                         byte
	lat                        []time.Duration
	accepted, resumed, rejects int
	failed, rounds             int
	firstErr                   error
}

func (w *worker) run(ctx context.Context, end time.Time) {
	for ctx.Err() == nil && time.Now().Before(end) {
		t0 := time.Now()
		res, err := w.peer.Run(w.exchange)
		if time.Now().After(end) {
			return // cut by the end of the run: not counted
		}
		switch {
		case err == nil:
			w.accepted++
			w.rounds += res.Rounds
			w.lat = append(w.lat, time.Since(t0))
			if res.Resumed {
				w.resumed++
			}
		case errors.Is(err, eap.ErrRejected):
			w.rejects++
		default:
			w.failed++
			if w.firstErr == nil {
				w.firstErr = err
			}
		}
	}
}

// exchange implements eap.Exchange over the worker's socket.
func (w *worker) exchange(msg, state []byte) ([]byte, []byte, error) {
	p := layeh.New(layeh.CodeAccessRequest, []byte(w.cfg.Secret))
	w.id++
	p.Identifier = w.id
	rfc2865.UserName_SetString(p, w.cfg.Outer)
	rfc2865.CallingStationID_SetString(p, "02-00-00-00-00-01")
	rfc2865.NASPortType_Set(p, 19) // Wireless-802.11
	p.Attributes = append(layeh.Attributes{{Type: 80, Attribute: make([]byte, 16)}}, p.Attributes...)
	p.Attributes = append(p.Attributes, eap.ToAttributes(msg)...)
	if state != nil {
		rfc2865.State_Set(p, state)
	}
	req, err := p.MarshalBinary()
	if err != nil {
		return nil, nil, err
	}
	m := hmac.New(md5.New, p.Secret)
	m.Write(req)
	copy(req[22:38], m.Sum(nil)) // Message-Authenticator, the first attribute
	if _, err := w.conn.Write(req); err != nil {
		return nil, nil, err
	}
	w.conn.SetReadDeadline(time.Now().Add(w.cfg.Timeout))
	for {
		n, err := w.conn.Read(w.buf)
		if err != nil {
			return nil, nil, err
		}
		b := w.buf[:n]
		if n < 20 || b[1] != req[1] || !layeh.IsAuthenticResponse(b, req, p.Secret) {
			continue
		}
		rp, err := layeh.Parse(b, p.Secret)
		if err != nil {
			return nil, nil, err
		}
		m, err := eap.FromAttributes(rp.Attributes)
		return m, rfc2865.State_Get(rp), err
	}
}

func summarise(cfg Config, ws []*worker, took time.Duration) Result {
	r := Result{Method: cfg.Method, Resume: cfg.Resume, TLS: cfg.TLS, Concurrency: cfg.Concurrency, Duration: took}
	if r.TLS == "" {
		r.TLS = "1.2-1.3"
	}
	var lat []time.Duration
	rounds := 0
	for _, w := range ws {
		r.Accepted += w.accepted
		r.Resumed += w.resumed
		r.Rejected += w.rejects
		r.Failed += w.failed
		rounds += w.rounds
		lat = append(lat, w.lat...)
		if w.firstErr != nil && r.FirstError == "" {
			r.FirstError = w.firstErr.Error()
		}
	}
	r.PerSecond = float64(r.Accepted) / took.Seconds()
	if r.Accepted > 0 {
		r.Rounds = float64(rounds) / float64(r.Accepted)
	}
	slices.Sort(lat)
	if len(lat) > 0 {
		r.P50, r.P99 = lat[len(lat)/2], lat[len(lat)*99/100]
	}
	return r
}
