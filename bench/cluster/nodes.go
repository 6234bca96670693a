package cluster

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// node is one `wifihk serve` of the cluster, on addresses of its own that
// stay the same across restarts, as a NAS's radiusserver1/2 do.
type node struct {
	name             string
	dir              string
	http, auth, acct string
	proc             *proc // nil while down
}

// proc is one run of a node's process.
type proc struct {
	cmd  *exec.Cmd
	done chan struct{}
	mu   sync.Mutex
	tail []string // its last lines on stderr
}

// startTimeout bounds a node's start, its journal replay included.
const startTimeout = 60 * time.Second

// freeAddr returns a loopback address the kernel has no use for now on
// network ("udp" or "tcp").
func freeAddr(network string) (string, error) {
	if network == "udp" {
		c, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			return "", err
		}
		defer c.Close()
		return c.LocalAddr().String(), nil
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func newNode(name, dir string) (*node, error) {
	n := &node{name: name, dir: dir}
	var err error
	for _, a := range []struct {
		to      *string
		network string
	}{{&n.http, "tcp"}, {&n.auth, "udp"}, {&n.acct, "udp"}} {
		if *a.to, err = freeAddr(a.network); err != nil {
			return nil, err
		}
	}
	return n, nil
}

// start runs the node on url and returns once it serves.
func (n *node) start(command func(args ...string) *exec.Cmd, url string) error {
	cmd := command("serve", "-data", n.dir, "-store", url, "-http", n.http, "-https", "127.0.0.1:0",
		"-radius-auth", n.auth, "-radius-acct", n.acct)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("cluster: start node %s: %w", n.name, err)
	}
	p := &proc{cmd: cmd, done: make(chan struct{})}
	ready := make(chan struct{})
	go p.read(stderr, ready)
	select {
	case <-ready:
		n.proc = p
		return nil
	case <-p.done:
		return fmt.Errorf("cluster: node %s ended before serving:\n%s", n.name, p.output())
	case <-time.After(startTimeout):
		p.kill()
		return fmt.Errorf("cluster: node %s not serving after %v:\n%s", n.name, startTimeout, p.output())
	}
}

// read keeps the last lines of the process's stderr and closes ready at
// its "wifihk serving" line, done when it has exited.
func (p *proc) read(r io.Reader, ready chan struct{}) {
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		p.mu.Lock()
		p.tail = append(p.tail, sc.Text())
		if len(p.tail) > 4000 {
			p.tail = p.tail[len(p.tail)-2000:]
		}
		p.mu.Unlock()
		if ready != nil && strings.Contains(sc.Text(), "wifihk serving") {
			close(ready)
			ready = nil
		}
	}
	p.cmd.Wait()
	close(p.done)
}

func (p *proc) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.tail, "\n")
}

func (p *proc) kill() {
	p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// kill SIGKILLs the node.
func (n *node) kill() {
	if n.proc != nil {
		n.proc.kill()
		n.proc = nil
	}
}

// stop ends the node with SIGTERM, as an operator does, and says whether
// it exited cleanly.
func (n *node) stop() error {
	p := n.proc
	if p == nil {
		return nil
	}
	n.proc = nil
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		p.cmd.Process.Signal(syscall.SIGQUIT) // Go prints every goroutine's stack
		select {
		case <-p.done:
		case <-time.After(5 * time.Second):
			p.kill()
		}
		return fmt.Errorf("cluster: node %s did not stop within 30 s of SIGTERM; its goroutines:\n%s", n.name, p.output())
	}
	if err := p.cmd.ProcessState; err != nil && !err.Success() {
		return fmt.Errorf("cluster: node %s exited with %v:\n%s", n.name, err, p.output())
	}
	return nil
}

// caughtUp reports whether the node's /readyz says it is ready with
// nothing left in its journals, and what it said.
func (n *node) caughtUp(ctx context.Context) (bool, string) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+n.http+"/readyz", nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return false, err.Error()
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	body := string(b)
	return res.StatusCode == http.StatusOK && strings.Contains(body, "accounting journal: 0 records") &&
		strings.Contains(body, "reports journal: 0 records"), body
}

// waitCaughtUp waits until every running node has applied its journals.
func waitCaughtUp(ctx context.Context, nodes []*node, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for _, n := range nodes {
		for {
			ok, said := n.caughtUp(ctx)
			if ok {
				break
			}
			if time.Now().After(deadline) || ctx.Err() != nil {
				return errors.New("cluster: node " + n.name + " not caught up: " + strings.TrimSpace(said))
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	return nil
}
