package agent_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/wifihk/wifihk/agent"
)

// needRoot skips without root; with root, a setup failure skips too unless
// WIFIHK_INTEROP=1, where it fails (CI runs as root and must run this).
func setupOrSkip(t *testing.T, err error, what string) {
	t.Helper()
	if err == nil {
		return
	}
	if os.Getenv("WIFIHK_INTEROP") == "1" {
		t.Fatalf("%s: %v", what, err)
	}
	t.Skipf("%s: %v (set WIFIHK_INTEROP=1 to make this a failure)", what, err)
}

func run(args ...string) error {
	out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%v: %v: %s", args, err, out)
	}
	return nil
}

// vethInNetns creates a network namespace and a veth pair: capIf stays in
// ours (the agent captures there), peerIf goes into the namespace (the test
// sends frames from there, as clients and a gateway would).
func vethInNetns(t *testing.T) (ns, capIf, peerIf string) {
	if os.Geteuid() != 0 {
		t.Skip("live capture needs root (CAP_NET_ADMIN for the veth pair, CAP_NET_RAW to capture); CI runs it as root")
	}
	id := os.Getpid() % 100000
	ns, capIf, peerIf = fmt.Sprintf("whk-test-%d", id), fmt.Sprintf("whkc%d", id), fmt.Sprintf("whkp%d", id)
	_, err := exec.LookPath("ip")
	setupOrSkip(t, err, "iproute2's ip command")
	setupOrSkip(t, run("ip", "netns", "add", ns), "create network namespace")
	t.Cleanup(func() {
		run("ip", "link", "del", capIf)
		run("ip", "netns", "del", ns)
	})
	setupOrSkip(t, run("ip", "link", "add", capIf, "type", "veth", "peer", "name", peerIf, "netns", ns), "create veth pair")
	// No IPv6 chatter (router solicitations) on the link: only our frames.
	os.WriteFile("/proc/sys/net/ipv6/conf/"+capIf+"/disable_ipv6", []byte("1"), 0)
	setupOrSkip(t, run("ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1"), "disable IPv6 in the namespace")
	setupOrSkip(t, run("ip", "link", "set", capIf, "up"), "link up")
	setupOrSkip(t, run("ip", "netns", "exec", ns, "ip", "link", "set", peerIf, "up"), "peer link up")
	return ns, capIf, peerIf
}

// sendInNetns writes raw Ethernet frames on ifName inside namespace ns.
func sendInNetns(ns, ifName string, frames [][]byte) error {
	errc := make(chan error, 1)
	go func() {
		// This thread enters the namespace and is never returned to the
		// pool: the goroutine ends locked, so the runtime discards it.
		runtime.LockOSThread()
		errc <- func() error {
			fd, err := unix.Open("/var/run/netns/"+ns, unix.O_RDONLY|unix.O_CLOEXEC, 0)
			if err != nil {
				return err
			}
			defer unix.Close(fd)
			if err := unix.Setns(fd, unix.CLONE_NEWNET); err != nil {
				return err
			}
			ifi, err := net.InterfaceByName(ifName)
			if err != nil {
				return err
			}
			s, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW, 0)
			if err != nil {
				return err
			}
			defer unix.Close(s)
			addr := &unix.SockaddrLinklayer{Ifindex: ifi.Index, Halen: 6}
			for _, f := range frames {
				if err := unix.Sendto(s, f, 0, addr); err != nil {
					return err
				}
			}
			return nil
		}()
	}()
	return <-errc
}

func TestLiveCaptureOnVeth(t *testing.T) {
	ns, capIf, peerIf := vethInNetns(t)
	f := venueTraffic(t)
	ctl := newController(t, "wha_test-token")
	cfg := baseConfig(t, ctl.srv.URL, "")
	cfg.Pcap, cfg.Iface, cfg.Once = "", capIf, false
	cfg.Interval = 100 * time.Millisecond
	cfg.Pseudonymise = false
	cfg.Gateway = gwMAC.String() // the test's frames use their own gateway
	ready := make(chan struct{})
	a, err := agent.New(cfg, agent.Options{Ready: func() { close(ready) }})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	runErr := make(chan error, 1)
	go func() { runErr <- a.Run(ctx) }()
	select {
	case <-ready:
	case err := <-runErr:
		t.Fatalf("agent: %v", err)
	}
	var raw [][]byte
	for _, fr := range f.out {
		raw = append(raw, fr.data)
	}
	if err := sendInNetns(ns, peerIf, raw); err != nil {
		t.Fatalf("send frames in %s: %v", ns, err)
	}

	want := f.expect(gwMAC)
	sum := map[string]totals{}
	reached := func() bool {
		for id, w := range want {
			if sum[id] != w {
				return false
			}
		}
		return true
	}
	deadline := time.After(10 * time.Second)
	for !reached() {
		select {
		case r := <-ctl.got:
			for _, c := range r.Clients {
				s := sum[c.ID]
				s.bytesUp += c.BytesUp
				s.bytesDown += c.BytesDown
				s.pktsUp += c.PacketsUp
				s.pktsDown += c.PacketsDown
				sum[c.ID] = s
			}
		case <-deadline:
			t.Fatalf("after 10s: got %+v, want %+v", sum, want)
		}
	}
	cancel()
	if err := <-runErr; err != nil {
		t.Fatal(err)
	}
	for len(ctl.got) > 0 { // the last report must add nothing of ours
		for _, c := range (<-ctl.got).Clients {
			if _, ours := want[c.ID]; ours && c.BytesUp+c.BytesDown > 0 {
				t.Errorf("client %s counted again after the totals matched: %+v", c.ID, c)
			}
		}
	}
}
