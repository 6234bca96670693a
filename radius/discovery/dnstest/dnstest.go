// Package dnstest runs a real DNS server for tests: dnsmasq (Debian
// dnsmasq-base) on 127.0.0.1 and a free port, answering only the
// records a test gives it (NAPTR, SRV, A and AAAA) under .test, with
// every query logged so a test can count them.
package dnstest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// Server is a running dnsmasq.
type Server struct {
	Addr string // 127.0.0.1:PORT
	log  string
	t    testing.TB
	ttl  int
	stop func() // ends the running dnsmasq
}

// Need skips the test when dnsmasq is missing, or fails it when
// WIFIHK_INTEROP=1.
func Need(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("dnsmasq"); err == nil {
		return
	}
	if os.Getenv("WIFIHK_INTEROP") == "1" {
		t.Fatal("dnsmasq not found and WIFIHK_INTEROP=1: install dnsmasq-base")
	}
	t.Skip("dnsmasq not found: install dnsmasq-base (or set WIFIHK_INTEROP=1 to fail instead of skip)")
}

// NAPTR is a NAPTR record with an empty regular expression.
func NAPTR(name string, order, pref int, flags, service, replacement string) string {
	return fmt.Sprintf("--naptr-record=%s,%d,%d,%s,%s,,%s", name, order, pref, flags, service, replacement)
}

// SRV is an SRV record.
func SRV(name, target string, port, priority, weight int) string {
	return fmt.Sprintf("--srv-host=%s,%s,%d,%d,%d", name, target, port, priority, weight)
}

// Host is an A (or AAAA) record.
func Host(name, ip string) string { return fmt.Sprintf("--host-record=%s,%s", name, ip) }

// Start runs dnsmasq with records (from NAPTR, SRV, Host) whose TTL is
// ttl seconds, until the test ends. Names under .test it does not know
// are NXDOMAIN; it asks no other server.
func Start(t testing.TB, ttl int, records ...string) *Server {
	t.Helper()
	Need(t)
	s := &Server{log: filepath.Join(t.TempDir(), "queries.log"), t: t, ttl: ttl}
	var lastErr error
	for range 5 { // a free port can be taken between probe and start
		s.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(freePort(t)))
		if lastErr = s.run(records); lastErr == nil {
			t.Cleanup(func() { s.stop() })
			return s
		}
	}
	t.Fatalf("dnsmasq did not start: %v", lastErr)
	return nil
}

// Replace restarts dnsmasq on the same address with records in place of
// the zone it had, as an operator's zone change would; answers cached
// elsewhere keep their TTL.
func (s *Server) Replace(records ...string) {
	s.t.Helper()
	s.stop()
	if err := s.run(records); err != nil {
		s.t.Fatalf("dnsmasq did not start again on %s: %v", s.Addr, err)
	}
}

// run starts dnsmasq on s.Addr and waits until it answers.
func (s *Server) run(records []string) error {
	_, port, _ := net.SplitHostPort(s.Addr)
	args := []string{"--keep-in-foreground", "--no-resolv", "--no-hosts", "--bind-interfaces",
		"--listen-address=127.0.0.1", "--port=" + port, "--pid-file=", "--local=/test/",
		"--log-queries", "--log-facility=" + s.log, "--local-ttl=" + strconv.Itoa(s.ttl), "--conf-file=/dev/null"}
	if u, err := user.Current(); err == nil {
		args = append(args, "--user="+u.Username)
	}
	cmd := exec.Command("dnsmasq", append(args, records...)...)
	out := &strings.Builder{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	if err := s.ready(exited); err != nil {
		cmd.Process.Kill()
		<-exited
		return fmt.Errorf("%w: %s", err, out)
	}
	s.stop = func() { cmd.Process.Kill(); <-exited }
	return nil
}

// ready waits until dnsmasq answers a query, or exits.
func (s *Server) ready(exited <-chan struct{}) error {
	deadline := time.Now().Add(10 * time.Second)
	c := &dns.Client{Timeout: 200 * time.Millisecond}
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return fmt.Errorf("dnsmasq exited")
		default:
		}
		m := new(dns.Msg)
		m.SetQuestion("ready.test.", dns.TypeA)
		if _, _, err := c.Exchange(m, s.Addr); err == nil {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("dnsmasq did not answer within 10s")
}

func freePort(t testing.TB) int {
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

// Queried returns how many queries for name (any type) dnsmasq has
// logged so far. Its log lags: call Sync first.
func (s *Server) Queried(name string) int {
	b, _ := os.ReadFile(s.log)
	n := 0
	for _, l := range strings.Split(string(b), "\n") {
		if strings.Contains(l, " query[") && strings.Contains(l, "] "+name+" from ") {
			n++
		}
	}
	return n
}

// Sync sends a query of its own and waits until dnsmasq has logged it,
// so that every query sent before is in the log.
func (s *Server) Sync() {
	s.t.Helper()
	marker := fmt.Sprintf("sync-%d.test", time.Now().UnixNano())
	m := new(dns.Msg)
	m.SetQuestion(marker+".", dns.TypeA)
	if _, _, err := (&dns.Client{Timeout: 2 * time.Second}).Exchange(m, s.Addr); err != nil {
		s.t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for s.Queried(marker) == 0 {
		if time.Now().After(deadline) {
			s.t.Fatal("dnsmasq did not log a query within 10s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
