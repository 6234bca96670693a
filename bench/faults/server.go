package faults

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"
)

// server is `wifihk serve` in a child process, killed or stopped by the
// suite.
type server struct {
	cmd              *exec.Cmd
	http, auth, acct string
	done             chan struct{} // closed when the process has exited
	mu               sync.Mutex
	stderr           strings.Builder
	exit             error
}

var servingRE = regexp.MustCompile(`wifihk serving.*\bhttp=(\S+).*\bradius_auth=(\S+) radius_acct=(\S+)`)

// startTimeout bounds a start, replay included.
const startTimeout = 60 * time.Second

// errRefused is wrapped by start's error when the server exited before it
// was ready: the refusal the damage cases expect (or not).
var errRefused = errors.New("the server exited before it was ready")

// start runs `wifihk serve -demo` on dir with loopback ports the kernel
// chooses, and returns once it serves, or errRefused with what it said.
func (s *Suite) start(dir string) (*server, error) {
	cmd := s.cfg.Command("serve", "-demo", "-data", dir, "-http", "127.0.0.1:0", "-https", "127.0.0.1:0",
		"-radius-auth", "127.0.0.1:0", "-radius-acct", "127.0.0.1:0")
	pipe, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("faults: start wifihk: %w", err)
	}
	p := &server{cmd: cmd, done: make(chan struct{})}
	ready := make(chan []string, 1)
	go func() {
		sc := bufio.NewScanner(pipe)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			line := sc.Text()
			p.mu.Lock()
			if p.stderr.Len() < 64<<10 {
				p.stderr.WriteString(line + "\n")
			}
			p.mu.Unlock()
			if m := servingRE.FindStringSubmatch(line); m != nil {
				ready <- m[1:]
			}
		}
		err := cmd.Wait()
		p.mu.Lock()
		p.exit = err
		p.mu.Unlock()
		close(p.done)
	}()
	select {
	case m := <-ready:
		p.http, p.auth, p.acct = m[0], m[1], m[2]
		return p, nil
	case <-p.done:
		return nil, fmt.Errorf("%w (%v): %s", errRefused, p.exit, strings.TrimSpace(p.output()))
	case <-time.After(startTimeout):
		p.kill()
		return nil, fmt.Errorf("faults: not ready after %v: %s", startTimeout, p.output())
	}
}

func (p *server) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}

// kill sends SIGKILL and waits for the process to end.
func (p *server) kill() {
	p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// stop sends SIGTERM and waits for a clean exit (SIGKILL after 30 s).
func (p *server) stop() error {
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		p.kill()
		return errors.New("faults: the server did not stop within 30s of SIGTERM")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.exit
}

// ready returns /readyz's status code and first line.
func (p *server) ready(ctx context.Context) (int, string) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+p.http+"/readyz", nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer res.Body.Close()
	line, _ := bufio.NewReader(res.Body).ReadString('\n')
	return res.StatusCode, strings.TrimSpace(line)
}
