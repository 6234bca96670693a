// Package fleet simulates many access-point agents reporting to a
// controller, for load tests ("wifihk-bench agents"). It can also run the
// controller side on its own: the real telemetry ingest over a real store,
// with the simulated APs' tokens known in memory.
package fleet

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/wifihk/wifihk/agent/wire"
)

// Config is a load test.
type Config struct {
	// Controller is the base URL, e.g. http://127.0.0.1:8080.
	Controller string
	// Tokens are the simulated APs' agent tokens, one AP each.
	Tokens []string
	// Clients per report. Default 25.
	Clients int
	// Interval between one AP's reports. Default 60s. APs are spread
	// evenly over it, as independent agents are.
	Interval time.Duration
	// Duration of the test. Default one interval.
	Duration time.Duration
	// Workers is the number of concurrent connections. Default 256.
	Workers int
	// Timeout per request. Default 10s.
	Timeout time.Duration
}

// Result is what a load test measured. Latency runs from when a report was
// due (not when a worker got to it), so a backlog shows in it.
type Result struct {
	APs       int           `json:"aps"`
	Sent      int           `json:"sent"`
	Stored    int           `json:"stored"` // 2xx
	Failed    int           `json:"failed"` // errors and non-2xx
	Elapsed   time.Duration `json:"elapsed_ns"`
	PerSecond float64       `json:"per_second"`
	P50       time.Duration `json:"p50_ns"`
	P95       time.Duration `json:"p95_ns"`
	P99       time.Duration `json:"p99_ns"`
	Max       time.Duration `json:"max_ns"`
	FirstErr  string        `json:"first_error,omitempty"`
}

func (r Result) String() string {
	return fmt.Sprintf("%d APs: %d reports in %v (%.0f/s), %d stored, %d failed; latency p50 %v p95 %v p99 %v max %v",
		r.APs, r.Sent, r.Elapsed.Round(time.Millisecond), r.PerSecond, r.Stored, r.Failed,
		r.P50.Round(time.Microsecond), r.P95.Round(time.Microsecond), r.P99.Round(time.Microsecond), r.Max.Round(time.Microsecond))
}

type job struct {
	ap  int
	seq uint64
	due time.Time
}

// Run sends reports until Duration has passed and every due report is
// answered.
func Run(ctx context.Context, c Config) (Result, error) {
	if len(c.Tokens) == 0 {
		return Result{}, errors.New("fleet: no tokens")
	}
	if c.Clients == 0 {
		c.Clients = 25
	}
	if c.Interval == 0 {
		c.Interval = time.Minute
	}
	if c.Duration == 0 {
		c.Duration = c.Interval
	}
	if c.Workers == 0 {
		c.Workers = 256
	}
	if c.Timeout == 0 {
		c.Timeout = 10 * time.Second
	}
	client := &http.Client{Timeout: c.Timeout, Transport: &http.Transport{
		MaxIdleConns: c.Workers, MaxIdleConnsPerHost: c.Workers, IdleConnTimeout: time.Minute}}
	jobs := make(chan job, c.Workers*4)
	var (
		mu   sync.Mutex
		lats []time.Duration
		res  = Result{APs: len(c.Tokens)}
		wg   sync.WaitGroup
	)
	url := c.Controller + wire.Path
	// Encoders are shared, not one per worker: a gzip writer costs about
	// 1 MB, and 256 of them made at once when the first reports go out
	// stalled this process (and so the first second's reports) for up to
	// half a second, which was most of the measured p99.
	encoders := sync.Pool{New: func() any { e := &encoder{}; e.zw = gzip.NewWriter(&e.buf); return e }}
	for w := 0; w < c.Workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				e := encoders.Get().(*encoder)
				body := e.encode(j, c.Clients, c.Interval)
				encoders.Put(e)
				err := post(ctx, client, url, c.Tokens[j.ap], body)
				lat := time.Since(j.due)
				mu.Lock()
				res.Sent++
				if err != nil {
					res.Failed++
					if res.FirstErr == "" {
						res.FirstErr = err.Error()
					}
				} else {
					res.Stored++
				}
				lats = append(lats, lat)
				mu.Unlock()
			}
		}()
	}
	start := time.Now()
	n := len(c.Tokens)
	seq := uint64(time.Now().UnixMilli())
schedule:
	for k := 0; ; k++ {
		for i := 0; i < n; i++ {
			due := start.Add(time.Duration(k)*c.Interval + time.Duration(int64(i)*int64(c.Interval)/int64(n)))
			if due.Sub(start) >= c.Duration {
				break schedule
			}
			if d := time.Until(due); d > 0 {
				select {
				case <-time.After(d):
				case <-ctx.Done():
					break schedule
				}
			}
			jobs <- job{ap: i, seq: seq + uint64(k), due: due}
		}
	}
	close(jobs)
	wg.Wait()
	res.Elapsed = time.Since(start)
	res.PerSecond = float64(res.Sent) / res.Elapsed.Seconds()
	slices.Sort(lats)
	pick := func(q float64) time.Duration {
		if len(lats) == 0 {
			return 0
		}
		return lats[min(len(lats)-1, int(q*float64(len(lats))))]
	}
	res.P50, res.P95, res.P99 = pick(0.50), pick(0.95), pick(0.99)
	if len(lats) > 0 {
		res.Max = lats[len(lats)-1]
	}
	return res, ctx.Err()
}

// encoder gzips reports.
type encoder struct {
	buf bytes.Buffer
	zw  *gzip.Writer
}

// encode builds AP j.ap's report j.seq with clients clients, gzipped.
func (e *encoder) encode(j job, clients int, interval time.Duration) []byte {
	end := j.due.UTC()
	r := wire.Report{Version: wire.Version, Seq: j.seq, AgentVersion: "fleet", Start: end.Add(-interval), End: end,
		IntervalS: max(1, int(interval/time.Second)), Pseudonymised: true, Clients: make([]wire.Client, 0, clients)}
	for c := 0; c < clients; c++ {
		id := fmt.Sprintf("%s%012x%012x", wire.PseudonymPrefix, j.ap, c)
		up, down := uint64(1000+c*37+int(j.seq%97)), uint64(20000+c*113)
		r.Clients = append(r.Clients, wire.Client{ID: id, IP: "10.0." + strconv.Itoa(c/250) + "." + strconv.Itoa(c%250+2),
			BytesUp: up, BytesDown: down, PacketsUp: up / 500, PacketsDown: down / 1000,
			FirstSeen: r.Start, LastSeen: end})
		r.AP.BytesUp += up
		r.AP.BytesDown += down
	}
	r.AP.ClientsInterval, r.AP.ClientsNow = clients, clients
	e.buf.Reset()
	e.zw.Reset(&e.buf)
	e.zw.Write(r.AppendJSON(nil))
	e.zw.Close()
	return bytes.Clone(e.buf.Bytes())
}

func post(ctx context.Context, client *http.Client, url, token string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Encoding", "gzip")
	req.Header.Set("Content-Type", "application/json")
	res, err := client.Do(req)
	if err != nil {
		return err
	}
	msg, _ := io.ReadAll(io.LimitReader(res.Body, 512))
	res.Body.Close()
	if res.StatusCode/100 != 2 {
		return fmt.Errorf("fleet: %s: %s", res.Status, bytes.TrimSpace(msg))
	}
	return nil
}
