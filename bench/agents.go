package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/wifihk/wifihk/bench/fleet"
)

// runAgents load-tests agent ingest: n simulated APs reporting every
// interval. Without -controller it starts the ingest in a child process
// (real store, real fsync) so that the controller's own CPU and memory can
// be read from its /metrics.
func runAgents(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("wifihk-bench agents", flag.ContinueOnError)
	fs.SetOutput(stderr)
	n := fs.Int("n", 50000, "simulated APs")
	var c fleet.Config
	fs.IntVar(&c.Clients, "clients", 25, "clients per report")
	fs.DurationVar(&c.Interval, "interval", time.Minute, "each AP's report interval")
	fs.DurationVar(&c.Duration, "d", 0, "how long to run (default one interval)")
	fs.IntVar(&c.Workers, "workers", 256, "concurrent connections")
	fs.StringVar(&c.Controller, "controller", "", "controller base URL (default: start one in a child process)")
	tokens := fs.String("tokens", "", "with -controller: file of agent tokens, one per line (from wifihk ap add -json)")
	serve := fs.Bool("serve", false, "run only the simulated controller (used by the parent process)")
	listen := fs.String("listen", "127.0.0.1:0", "with -serve: listen address")
	data := fs.String("data", "", "with -serve: data dir (default: a temporary one)")
	noSync := fs.Bool("nosync", false, "the child controller skips fsync (to measure what the disk costs)")
	asJSON := fs.Bool("json", false, "print one JSON object")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if *serve {
		return serveFleet(ctx, *data, *listen, *n, *noSync, stdout)
	}
	var child *exec.Cmd
	if c.Controller == "" {
		var err error
		if child, c.Controller, err = startFleetController(*n, *noSync, stderr); err != nil {
			return err
		}
		defer func() {
			child.Process.Signal(syscall.SIGTERM)
			child.Wait()
		}()
		c.Tokens = fleet.Tokens(*n)
	} else {
		raw, err := os.ReadFile(*tokens)
		if err != nil {
			return fmt.Errorf("bench agents: -tokens: %w", err)
		}
		c.Tokens = strings.Fields(string(raw))
		if len(c.Tokens) > *n {
			c.Tokens = c.Tokens[:*n]
		}
	}
	before := scrape(c.Controller)
	res, err := fleet.Run(ctx, c)
	if err != nil {
		return err
	}
	after := scrape(c.Controller)
	out := struct {
		fleet.Result
		ControllerCPUCores float64 `json:"controller_cpu_cores"`
		ControllerRSSMB    float64 `json:"controller_rss_mb"`
		ControllerStored   float64 `json:"controller_stored"`
		// ServerP99 is the bucket bound under which 99% of the controller's
		// own handling times fell (auth, decode, durable store), and
		// ServerUnder50ms the share within 50 ms.
		ServerP99       float64 `json:"server_p99_s"`
		ServerUnder50ms float64 `json:"server_share_under_50ms"`
		Lost            int     `json:"lost"`
	}{Result: res}
	if before != nil && after != nil {
		cpu := "process_cpu_seconds_total"
		out.ControllerCPUCores = (after[cpu] - before[cpu]) / res.Elapsed.Seconds()
		out.ControllerRSSMB = after["process_resident_memory_bytes"] / (1 << 20)
		stored := `wifihk_agent_reports_total{result="stored"}`
		out.ControllerStored = after[stored] - before[stored]
		out.ServerP99, out.ServerUnder50ms = histogram(before, after, "wifihk_agent_report_seconds")
		if math.IsInf(out.ServerP99, 1) {
			out.ServerP99 = -1 // beyond the last bucket (1 s)
		}
	}
	out.Lost = res.Sent - res.Stored
	if *asJSON {
		return json.NewEncoder(stdout).Encode(out)
	}
	_, err = fmt.Fprintf(stdout, "%v\ncontroller: %.2f CPU cores, %.0f MB resident, %.0f reports stored, own handling p99 <= %gs (%.1f%% within 50 ms); lost %d\n",
		res, out.ControllerCPUCores, out.ControllerRSSMB, out.ControllerStored, out.ServerP99, 100*out.ServerUnder50ms, out.Lost)
	return err
}

func serveFleet(ctx context.Context, dir, listen string, n int, noSync bool, stdout io.Writer) error {
	if dir == "" {
		tmp, err := os.MkdirTemp("", "wifihk-fleet-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	return fleet.Serve(ctx, dir, listen, n, noSync, func(a net.Addr) { fmt.Fprintf(stdout, "listening %s\n", a) })
}

// startFleetController runs "wifihk-bench agents -serve" and returns its URL.
func startFleetController(n int, noSync bool, stderr io.Writer) (*exec.Cmd, string, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, "", err
	}
	cmd := exec.Command(self, "agents", "-serve", "-n", strconv.Itoa(n), "-nosync="+strconv.FormatBool(noSync))
	cmd.Stderr = stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, "", err
	}
	if err := cmd.Start(); err != nil {
		return nil, "", err
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "listening ")
	if err != nil || !ok {
		cmd.Process.Kill()
		cmd.Wait()
		return nil, "", errors.New("bench agents: the controller process did not start")
	}
	return cmd, "http://" + addr, nil
}

// scrape reads the controller's unlabelled and simply labelled metrics.
func scrape(base string) map[string]float64 {
	res, err := http.Get(base + "/metrics")
	if err != nil {
		return nil
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		return nil
	}
	m := map[string]float64{}
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		if i := strings.LastIndexByte(line, ' '); i > 0 {
			if v, err := strconv.ParseFloat(line[i+1:], 64); err == nil {
				m[line[:i]] = v
			}
		}
	}
	return m
}

// histogram reads a Prometheus histogram's growth between two scrapes: the
// smallest bucket bound holding 99% of the observations, and the share
// within 50 ms.
func histogram(before, after map[string]float64, name string) (p99, under50ms float64) {
	total := after[name+"_count"] - before[name+"_count"]
	if total <= 0 {
		return 0, 0
	}
	type bucket struct{ le, n float64 }
	var bs []bucket
	for k, v := range after {
		le, ok := strings.CutPrefix(k, name+`_bucket{le="`)
		if !ok {
			continue
		}
		bound, err := strconv.ParseFloat(strings.TrimSuffix(le, `"}`), 64)
		if err != nil {
			continue // +Inf
		}
		bs = append(bs, bucket{bound, v - before[k]})
	}
	sort.Slice(bs, func(i, j int) bool { return bs[i].le < bs[j].le })
	p99 = math.Inf(1)
	for _, b := range bs {
		if b.le == 0.05 {
			under50ms = b.n / total
		}
		if b.n >= 0.99*total && math.IsInf(p99, 1) {
			p99 = b.le
		}
	}
	return p99, under50ms
}
