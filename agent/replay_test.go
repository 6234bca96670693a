package agent_test

import (
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/gopacket/layers"

	"github.com/wifihk/wifihk/agent"
	"github.com/wifihk/wifihk/agent/wire"
)

var (
	gwMAC = mac("02:00:00:00:00:01")
	macA  = mac("02:00:00:00:00:0a")
	macB  = mac("02:00:00:00:00:0b")
	macC  = mac("02:00:00:00:00:0c")
)

// venueTraffic is a small venue: three clients, one gateway, DHCP, ARP and
// some client-to-client traffic.
func venueTraffic(t testing.TB) *frames {
	f := &frames{t: t}
	f.dhcp(macC, layers.EthernetBroadcast, macC, layers.DHCPMsgTypeRequest, "carols-phone", "")
	f.dhcp(gwMAC, macC, macC, layers.DHCPMsgTypeAck, "", "10.0.0.12")
	f.arp(macA, "10.0.0.10", "10.0.0.1")
	for i := 0; i < 40; i++ {
		f.udp(macA, gwMAC, "10.0.0.10", "8.8.8.8", 100+i*7)
		f.udp(gwMAC, macA, "8.8.8.8", "10.0.0.10", 1200+i)
		if i%3 == 0 {
			f.udp(macB, gwMAC, "10.0.0.11", "1.1.1.1", 60+i)
		}
		if i%4 == 0 {
			f.udp(gwMAC, macB, "1.1.1.1", "10.0.0.11", 900)
			f.udp(gwMAC, macC, "1.1.1.1", "10.0.0.12", 300+i)
		}
		if i%10 == 0 {
			f.udp(macA, macB, "10.0.0.10", "10.0.0.11", 500) // local: neither
		}
	}
	return f
}

func TestReplayCountsEachClientExactly(t *testing.T) {
	f := venueTraffic(t)
	path := filepath.Join(t.TempDir(), "venue.pcap")
	t0 := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	f.writePcap(path, t0)

	ctl := newController(t, "wha_test-token")
	cfg := baseConfig(t, ctl.srv.URL, path)
	cfg.Pseudonymise = false
	a, err := agent.New(cfg, agent.Options{Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Run(context.Background()); err != nil {
		t.Fatalf("run: %v", err)
	}
	if len(ctl.reports) != 1 {
		t.Fatalf("got %d reports, want 1", len(ctl.reports))
	}
	r := ctl.reports[0]
	if r.Gateway != gwMAC.String() {
		t.Errorf("gateway %q, want %s (the MAC every flow shares)", r.Gateway, gwMAC)
	}
	want := f.expect(gwMAC)
	if len(r.Clients) != len(want) {
		t.Errorf("got %d clients, want %d: %+v", len(r.Clients), len(want), r.Clients)
	}
	var sumUp, sumDown uint64
	for _, c := range r.Clients {
		w, ok := want[c.ID]
		if !ok {
			t.Errorf("unexpected client %s", c.ID)
			continue
		}
		got := totals{c.BytesUp, c.BytesDown, c.PacketsUp, c.PacketsDown}
		if got != w {
			t.Errorf("client %s: got %+v, want %+v", c.ID, got, w)
		}
		sumUp += c.BytesUp
		sumDown += c.BytesDown
	}
	if r.AP.BytesUp != sumUp || r.AP.BytesDown != sumDown || r.AP.ClientsInterval != 3 {
		t.Errorf("AP totals %+v do not add up (%d up, %d down, 3 clients)", r.AP, sumUp, sumDown)
	}
	if r.AP.Captured != uint64(len(f.out)) {
		t.Errorf("captured %d, want %d", r.AP.Captured, len(f.out))
	}
	byID := map[string]wire.Client{}
	for _, c := range r.Clients {
		byID[c.ID] = c
	}
	if c := byID[macC.String()]; c.IP != "10.0.0.12" || c.Hostname != "carols-phone" {
		t.Errorf("client C: ip %q hostname %q, want 10.0.0.12 from the DHCP ack and carols-phone", c.IP, c.Hostname)
	}
	if c := byID[macA.String()]; c.IP != "10.0.0.10" {
		t.Errorf("client A: ip %q, want 10.0.0.10 from ARP", c.IP)
	}
	if !r.Start.Equal(t0) || !r.End.Equal(t0.Add(time.Duration(len(f.out)-1)*time.Millisecond)) {
		t.Errorf("interval %v–%v, want the file's first to last frame", r.Start, r.End)
	}
	if c := byID[macA.String()]; !c.FirstSeen.Equal(t0.Add(2 * time.Millisecond)) {
		t.Errorf("client A first seen %v, want its ARP at %v", c.FirstSeen, t0.Add(2*time.Millisecond))
	}
}

func TestReplayPseudonymisesMACs(t *testing.T) {
	f := venueTraffic(t)
	path := filepath.Join(t.TempDir(), "venue.pcap")
	f.writePcap(path, time.Now())
	ctl := newController(t, "wha_test-token")
	cfg := baseConfig(t, ctl.srv.URL, path)
	cfg.PseudonymKey = "deployment-key-0123456789"
	a, err := agent.New(cfg, agent.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	r := ctl.reports[0]
	if !r.Pseudonymised {
		t.Fatal("report not marked pseudonymised")
	}
	want := map[string]bool{}
	for _, m := range []string{macA.String(), macB.String(), macC.String()} {
		mm, _ := agent.ParseMAC(m)
		want[agent.Pseudonym([]byte(cfg.PseudonymKey), mm)] = true
	}
	for _, c := range r.Clients {
		if !want[c.ID] {
			t.Errorf("client id %q is not the HMAC of a client MAC", c.ID)
		}
	}
	// Another deployment key gives other pseudonyms.
	m, _ := agent.ParseMAC(macA.String())
	if agent.Pseudonym([]byte("another-key-0123456789"), m) == agent.Pseudonym([]byte(cfg.PseudonymKey), m) {
		t.Error("pseudonym does not depend on the key")
	}
}

func TestGatewayOverride(t *testing.T) {
	f := venueTraffic(t)
	path := filepath.Join(t.TempDir(), "venue.pcap")
	f.writePcap(path, time.Now())
	ctl := newController(t, "wha_test-token")
	cfg := baseConfig(t, ctl.srv.URL, path)
	cfg.Pseudonymise, cfg.Gateway = false, macB.String() // say B is the gateway
	a, err := agent.New(cfg, agent.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	r := ctl.reports[0]
	if r.Gateway != macB.String() {
		t.Fatalf("gateway %s, want the configured %s", r.Gateway, macB)
	}
	want := f.expect(macB)
	for _, c := range r.Clients {
		if c.ID == macB.String() {
			t.Fatal("the gateway is reported as a client")
		}
		if w := want[c.ID]; (totals{c.BytesUp, c.BytesDown, c.PacketsUp, c.PacketsDown}) != w {
			t.Errorf("client %s: %+v, want %+v", c.ID, c, w)
		}
	}
}

func TestOnceRefusalIsFinal(t *testing.T) {
	for _, code := range []int{http.StatusUnauthorized, http.StatusBadRequest, http.StatusRequestEntityTooLarge} {
		t.Run(http.StatusText(code), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "v.pcap")
			venueTraffic(t).writePcap(path, time.Now())
			ctl := newController(t, "wha_test-token")
			ctl.setStatus(code)
			cfg := baseConfig(t, ctl.srv.URL, path)
			a, err := agent.New(cfg, agent.Options{})
			if err != nil {
				t.Fatal(err)
			}
			err = a.Run(context.Background())
			if !errors.Is(err, agent.ErrRefused) {
				t.Fatalf("got %v, want ErrRefused", err)
			}
			if n := spooled(t, cfg.SpoolDir); n != 0 {
				t.Fatalf("a refused report was spooled (%d waiting)", n)
			}
		})
	}
}

// The real controller's refusal (a Problem body since api took over the
// route) is final too, and its message reaches the agent's error.
func TestOnceRefusalByTheRealControllerIsFinal(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v.pcap")
	venueTraffic(t).writePcap(path, time.Now())
	ctl := newRealController(t)
	cfg := baseConfig(t, "http://"+ctl.addr, path)
	cfg.Token = "wha_not-a-token"
	a, err := agent.New(cfg, agent.Options{})
	if err != nil {
		t.Fatal(err)
	}
	err = a.Run(context.Background())
	if !errors.Is(err, agent.ErrRefused) || !strings.Contains(err.Error(), "401") || !strings.Contains(err.Error(), "unknown agent token") {
		t.Fatalf("got %v, want ErrRefused with the controller's 401 and reason", err)
	}
	if n := spooled(t, cfg.SpoolDir); n != 0 {
		t.Fatalf("a refused report was spooled (%d waiting)", n)
	}
}

func TestOnceTransientFailureSpools(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v.pcap")
	venueTraffic(t).writePcap(path, time.Now())
	ctl := newController(t, "wha_test-token")
	ctl.setStatus(http.StatusServiceUnavailable)
	cfg := baseConfig(t, ctl.srv.URL, path)
	a, err := agent.New(cfg, agent.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Run(context.Background()); !errors.Is(err, agent.ErrSpooled) {
		t.Fatalf("got %v, want ErrSpooled", err)
	}
	if n := spooled(t, cfg.SpoolDir); n != 1 {
		t.Fatalf("%d reports spooled, want 1", n)
	}
}

// spooled is how many reports wait in the spool at dir.
func spooled(t *testing.T, dir string) int {
	t.Helper()
	sp, err := agent.OpenSpool(dir, 1<<20, 10)
	if err != nil {
		t.Fatal(err)
	}
	return sp.Len()
}
