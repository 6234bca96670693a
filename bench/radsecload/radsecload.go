// Package radsecload is a RadSec load generator: many TLS connections,
// each with a few requests outstanding (closed loop), sending PAP
// Access-Requests or Status-Server, and measuring throughput and latency.
// It is what "wifihk-bench radsec" runs, against wifihk or any RadSec
// server (radsecproxy).
package radsecload

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"
	"time"

	layeh "layeh.com/radius"
	"layeh.com/radius/rfc2865"

	"github.com/wifihk/wifihk/radius/radsec"
)

// Config is one load run.
type Config struct {
	Server     string // host:port
	CA         string // PEM file of the server's CA
	Cert, Key  string // client certificate and key (PEM)
	ServerName string // name the server's certificate must carry; default the host
	Mode       string // "auth" (PAP Access-Request) or "status" (Status-Server)
	Conns      int    // TLS connections; default 100
	PerConn    int    // requests outstanding on each; default 1
	Duration   time.Duration
	Timeout    time.Duration // per request; default 2s
	Username   string        // auth: default "demo"
	Password   string        // auth: default "demo1234"
}

// Result is what a run measured.
type Result struct {
	Mode      string        `json:"mode"`
	Conns     int           `json:"conns"`
	PerConn   int           `json:"per_conn"`
	Duration  time.Duration `json:"duration_ns"`
	Connect   time.Duration `json:"connect_ns"` // dialling every connection (TLS handshakes), before the run
	Answered  int           `json:"answered"`
	Accepted  int           `json:"accepted"`
	Errors    int           `json:"errors"`
	PerSecond float64       `json:"per_second"`
	P50       time.Duration `json:"p50_ns"`
	P99       time.Duration `json:"p99_ns"`
	Max       time.Duration `json:"max_ns"`
}

func (r Result) String() string {
	return fmt.Sprintf("%s %d conns x %d: %.0f/s answered (%d ok, %d errors in %v; %d handshakes took %v); latency p50 %v p99 %v max %v",
		r.Mode, r.Conns, r.PerConn, r.PerSecond, r.Accepted, r.Errors, r.Duration.Round(time.Millisecond), r.Conns,
		r.Connect.Round(time.Millisecond), r.P50.Round(time.Microsecond), r.P99.Round(time.Microsecond), r.Max.Round(time.Microsecond))
}

// Run connects every client, then sends load until cfg.Duration has
// passed or ctx ends.
func Run(ctx context.Context, cfg Config) (Result, error) {
	if err := cfg.defaults(); err != nil {
		return Result{}, err
	}
	tc, err := cfg.tls()
	if err != nil {
		return Result{}, err
	}
	clients := make([]*radsec.Client, cfg.Conns)
	defer func() {
		for _, c := range clients {
			if c != nil {
				c.Close()
			}
		}
	}()
	t0 := time.Now()
	for i := range clients {
		if clients[i], err = radsec.NewClient(radsec.ClientConfig{Addr: cfg.Server, TLS: tc, Timeout: cfg.Timeout}); err != nil {
			return Result{}, err
		}
		if err := clients[i].Status(ctx); err != nil {
			return Result{}, fmt.Errorf("radsecload: connection %d: %w", i, err)
		}
	}
	res := Result{Mode: cfg.Mode, Conns: cfg.Conns, PerConn: cfg.PerConn, Connect: time.Since(t0)}
	start := time.Now()
	end := start.Add(cfg.Duration)
	var (
		mu  sync.Mutex
		lat []time.Duration
		wg  sync.WaitGroup
	)
	for _, c := range clients {
		for range cfg.PerConn {
			wg.Add(1)
			go func() {
				defer wg.Done()
				mine, ok, bad := cfg.loop(ctx, c, end)
				mu.Lock()
				lat = append(lat, mine...)
				res.Accepted += ok
				res.Errors += bad
				mu.Unlock()
			}()
		}
	}
	wg.Wait()
	res.Duration = time.Since(start)
	res.Answered = len(lat)
	res.PerSecond = float64(res.Answered) / res.Duration.Seconds()
	if len(lat) > 0 {
		slices.Sort(lat)
		q := func(f float64) time.Duration { return lat[min(len(lat)-1, int(f*float64(len(lat))))] }
		res.P50, res.P99, res.Max = q(.50), q(.99), lat[len(lat)-1]
	}
	return res, nil
}

// loop sends one request at a time on c until end.
func (cfg Config) loop(ctx context.Context, c *radsec.Client, end time.Time) (lat []time.Duration, ok, bad int) {
	want := layeh.CodeAccessAccept
	for ctx.Err() == nil && time.Now().Before(end) {
		p := layeh.New(layeh.CodeStatusServer, []byte(radsec.Secret))
		if cfg.Mode == "auth" {
			p = layeh.New(layeh.CodeAccessRequest, []byte(radsec.Secret))
			rfc2865.UserName_SetString(p, cfg.Username)
			rfc2865.UserPassword_SetString(p, cfg.Password)
		}
		t := time.Now()
		resp, err := c.Exchange(ctx, p)
		if err != nil {
			bad++
			continue
		}
		lat = append(lat, time.Since(t))
		if resp.Code == want {
			ok++
		}
	}
	return lat, ok, bad
}

func (c *Config) defaults() error {
	switch {
	case c.Server == "" || c.CA == "" || c.Cert == "" || c.Key == "":
		return errors.New("radsecload: server, ca, cert and key are required")
	case c.Mode == "":
		c.Mode = "auth"
	case c.Mode != "auth" && c.Mode != "status":
		return fmt.Errorf("radsecload: mode: %q is not auth or status", c.Mode)
	}
	if c.Conns <= 0 {
		c.Conns = 100
	}
	if c.PerConn <= 0 {
		c.PerConn = 1
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
	return nil
}

func (c *Config) tls() (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(c.Cert, c.Key)
	if err != nil {
		return nil, fmt.Errorf("radsecload: cert/key: %w", err)
	}
	pem, err := os.ReadFile(c.CA)
	if err != nil {
		return nil, fmt.Errorf("radsecload: ca: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("radsecload: ca: %s holds no PEM certificate", c.CA)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, RootCAs: pool, ServerName: c.ServerName}, nil
}
