// Package portalload is an open-loop HTTP load generator for the captive
// portal's pages: requests are scheduled at fixed times (Rate a second)
// and each one's latency is measured from its scheduled time, not from
// when a connection happened to be free to send it. A server stall then
// shows in the percentiles of every request that should have gone out
// during it, instead of being hidden by a client that waited politely
// (coordinated omission, which closed-loop tools such as wrk suffer).
// It is what "wifihk-bench portal" runs.
package portalload

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"time"

	"github.com/wifihk/wifihk/portal"
)

// Config is one load run.
type Config struct {
	// URL is fetched on every request. When empty, URLFor must be set.
	URL string
	// URLFor, when set, gives request i its own URL (see Landing).
	URLFor func(i int) string
	// Rate is the requests a second to schedule; required.
	Rate float64
	// Duration of the schedule; default 10s.
	Duration time.Duration
	// Connections caps concurrent requests (and open connections);
	// default 64. Requests due while all are busy wait, and the wait
	// counts in their latency.
	Connections int
	// Timeout per request, counted from its scheduled time; default 2s.
	Timeout time.Duration
	// Client to send with; default one with keep-alive and no redirects
	// followed.
	Client *http.Client
}

// Result is what a run measured.
type Result struct {
	URL         string        `json:"url"`
	Target      float64       `json:"target_per_second"`
	Connections int           `json:"connections"`
	Duration    time.Duration `json:"duration_ns"` // first schedule to last answer
	Sent        int           `json:"sent"`
	OK          int           `json:"ok"`     // 2xx
	Errors      int           `json:"errors"` // transport errors, timeouts and non-2xx
	Status      map[int]int   `json:"status"` // answers by HTTP status
	Achieved    float64       `json:"achieved_per_second"`
	Bytes       int64         `json:"bytes"` // response bodies
	// Latency from each request's scheduled time to the end of its body.
	P50 time.Duration `json:"p50_ns"`
	P90 time.Duration `json:"p90_ns"`
	P99 time.Duration `json:"p99_ns"`
	Max time.Duration `json:"max_ns"`
	// ServerCPUPerOp is the server process's CPU time per good answer,
	// when its PID was given (logins only).
	ServerCPUPerOp time.Duration `json:"server_cpu_per_op_ns,omitempty"`
	// FirstError is an example of what went wrong, "" when nothing did.
	FirstError string `json:"first_error,omitempty"`
}

func (r Result) String() string {
	s := fmt.Sprintf("target %.0f/s for %v over ≤%d connections: %d sent, %d ok, %d errors, achieved %.0f/s; latency from schedule p50 %v p90 %v p99 %v max %v",
		r.Target, r.Duration.Round(time.Millisecond), r.Connections, r.Sent, r.OK, r.Errors, r.Achieved,
		r.P50.Round(time.Microsecond), r.P90.Round(time.Microsecond), r.P99.Round(time.Microsecond), r.Max.Round(time.Microsecond))
	if r.ServerCPUPerOp > 0 {
		s += fmt.Sprintf("; server CPU %v per answer", r.ServerCPUPerOp.Round(time.Microsecond))
	}
	if r.FirstError != "" {
		s += "; first error: " + r.FirstError
	}
	return s
}

func (c *Config) defaults() error {
	if c.URL == "" && c.URLFor == nil {
		return errors.New("portalload: a URL is required")
	}
	if c.URL != "" {
		u, err := url.Parse(c.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("portalload: URL %q is not http(s)://host/…", c.URL)
		}
	}
	if c.Rate <= 0 || c.Rate > 1e6 {
		return fmt.Errorf("portalload: rate %v is not in (0, 1e6]", c.Rate)
	}
	if c.Duration <= 0 {
		c.Duration = 10 * time.Second
	}
	if c.Connections <= 0 {
		c.Connections = 64
	}
	if c.Timeout <= 0 {
		c.Timeout = 2 * time.Second
	}
	if c.Client == nil {
		c.Client = &http.Client{
			Transport: &http.Transport{MaxIdleConnsPerHost: c.Connections, MaxConnsPerHost: c.Connections,
				DisableCompression: true},
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	return nil
}

// sample is one request's outcome.
type sample struct {
	lat    time.Duration
	status int // 0: no answer
	bytes  int64
	err    error
}

// Run schedules Rate×Duration requests and waits for them all.
func Run(ctx context.Context, cfg Config) (Result, error) {
	if err := cfg.defaults(); err != nil {
		return Result{}, err
	}
	n := max(int(cfg.Rate*cfg.Duration.Seconds()), 1)
	return run(ctx, cfg, n, func(ctx context.Context, i int, due time.Time) sample { return cfg.fetch(ctx, i, due) })
}

// run schedules n operations Rate a second over at most Connections
// workers and sums them up.
func run(ctx context.Context, cfg Config, n int, do func(ctx context.Context, i int, due time.Time) sample) (Result, error) {
	interval := time.Duration(float64(time.Second) / cfg.Rate)
	jobs := make(chan int, n)
	samples := make([]sample, n)
	var wg sync.WaitGroup
	start := time.Now().Add(10 * time.Millisecond)
	due := func(i int) time.Time { return start.Add(time.Duration(i) * interval) }
	for range cfg.Connections {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				ctx, cancel := context.WithDeadline(ctx, due(i).Add(cfg.Timeout))
				samples[i] = do(ctx, i, due(i))
				cancel()
			}
		}()
	}
	sent := schedule(ctx, n, due, jobs)
	close(jobs)
	wg.Wait()
	return summarize(cfg, samples[:sent], time.Since(start)), ctx.Err()
}

// schedule hands out request numbers at their due times; a late tick
// hands out everything due at once. It returns how many it handed out.
func schedule(ctx context.Context, n int, due func(int) time.Time, jobs chan<- int) int {
	t := time.NewTimer(0)
	defer t.Stop()
	for i := 0; i < n; i++ {
		if d := time.Until(due(i)); d > 0 {
			t.Reset(d)
			select {
			case <-t.C:
			case <-ctx.Done():
				return i
			}
		}
		jobs <- i
	}
	return n
}

func (c *Config) fetch(ctx context.Context, i int, due time.Time) sample {
	u := c.URL
	if c.URLFor != nil {
		u = c.URLFor(i)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return sample{lat: time.Since(due), err: err}
	}
	res, err := c.Client.Do(req)
	if err != nil {
		return sample{lat: time.Since(due), err: err}
	}
	nb, err := io.Copy(io.Discard, res.Body)
	res.Body.Close()
	s := sample{lat: time.Since(due), status: res.StatusCode, bytes: nb, err: err}
	if err == nil && (res.StatusCode < 200 || res.StatusCode > 299) {
		s.err = fmt.Errorf("HTTP %d from %s", res.StatusCode, req.URL.Redacted())
	}
	return s
}

func summarize(cfg Config, samples []sample, elapsed time.Duration) Result {
	r := Result{URL: cfg.URL, Target: cfg.Rate, Connections: cfg.Connections, Duration: elapsed,
		Sent: len(samples), Status: map[int]int{}}
	if r.URL == "" && cfg.URLFor != nil {
		r.URL = cfg.URLFor(0)
	}
	lats := make([]time.Duration, 0, len(samples))
	for _, s := range samples {
		lats = append(lats, s.lat)
		r.Bytes += s.bytes
		if s.status != 0 {
			r.Status[s.status]++
		}
		if s.err != nil {
			r.Errors++
			if r.FirstError == "" {
				r.FirstError = s.err.Error()
			}
			continue
		}
		r.OK++
	}
	if elapsed > 0 {
		r.Achieved = float64(r.OK) / elapsed.Seconds()
	}
	slices.Sort(lats)
	r.P50, r.P90, r.P99 = quantile(lats, 0.50), quantile(lats, 0.90), quantile(lats, 0.99)
	if len(lats) > 0 {
		r.Max = lats[len(lats)-1]
	}
	return r
}

// quantile is the nearest-rank q-quantile of sorted d.
func quantile(d []time.Duration, q float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	i := int(q*float64(len(d))+0.999999) - 1
	return d[min(max(i, 0), len(d)-1)]
}

// Landing returns URLFor building what a CoovaChilli gateway redirects
// a new device to: res=notyet with a fresh challenge, a MAC and address
// of its own for each request, and md signed with uamsecret. portalURL
// is the landing page as the gateway knows it (e.g.
// http://127.0.0.1:8080/portal); nasid names a NAS the portal knows.
func Landing(portalURL, nasid, uamsecret string) func(i int) string {
	return func(i int) string {
		chal := make([]byte, 16)
		rand.Read(chal)
		// redir.c's order; md covers the URL up to "&md=".
		u := fmt.Sprintf("%s?res=notyet&uamip=10.1.0.1&uamport=3990&challenge=%x&mac=02-00-%02X-%02X-%02X-%02X&ip=10.1.%d.%d&nasid=%s&sessionid=%x&userurl=%s",
			portalURL, chal, byte(i>>24), byte(i>>16), byte(i>>8), byte(i), byte(i>>8), byte(i),
			url.QueryEscape(nasid), chal[:4], url.QueryEscape("http://example.com/"))
		if uamsecret == "" {
			return u
		}
		return u + "&md=" + portal.MD(u, uamsecret)
	}
}
