package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/wifihk/wifihk/hotspots/telemetry/fleet"
)

// runBenchAgents load-tests agent ingest: n simulated APs reporting every
// interval. Without -controller it starts the ingest in a child process
// (real store, real fsync) so that the controller's own CPU and memory can
// be read from its /metrics.
func runBenchAgents(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("wifihk bench agents", flag.ContinueOnError)
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
	asJSON := fs.Bool("json", false, "print one JSON object")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if *serve {
		return serveFleet(ctx, *data, *listen, *n, stdout)
	}
	var child *exec.Cmd
	if c.Controller == "" {
		var err error
		if child, c.Controller, err = startFleetController(*n, stderr); err != nil {
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
		Lost               int     `json:"lost"`
	}{Result: res}
	if before != nil && after != nil {
		cpu := "process_cpu_seconds_total"
		out.ControllerCPUCores = (after[cpu] - before[cpu]) / res.Elapsed.Seconds()
		out.ControllerRSSMB = after["process_resident_memory_bytes"] / (1 << 20)
		stored := `wifihk_agent_reports_total{result="stored"}`
		out.ControllerStored = after[stored] - before[stored]
	}
	out.Lost = res.Sent - res.Stored
	if *asJSON {
		return json.NewEncoder(stdout).Encode(out)
	}
	_, err = fmt.Fprintf(stdout, "%v\ncontroller: %.2f CPU cores, %.0f MB resident, %.0f reports stored; lost %d\n",
		res, out.ControllerCPUCores, out.ControllerRSSMB, out.ControllerStored, out.Lost)
	return err
}

func serveFleet(ctx context.Context, dir, listen string, n int, stdout io.Writer) error {
	if dir == "" {
		tmp, err := os.MkdirTemp("", "wifihk-fleet-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	return fleet.Serve(ctx, dir, listen, n, func(a net.Addr) { fmt.Fprintf(stdout, "listening %s\n", a) })
}

// startFleetController runs "wifihk bench agents -serve" and returns its URL.
func startFleetController(n int, stderr io.Writer) (*exec.Cmd, string, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, "", err
	}
	cmd := exec.Command(self, "bench", "agents", "-serve", "-n", strconv.Itoa(n))
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
