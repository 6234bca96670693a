package udpbatch

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"testing"
	"time"
)

func listen(t *testing.T, network, addr string) *net.UDPConn {
	t.Helper()
	c, err := net.ListenUDP(network, net.UDPAddrFromAddrPort(netip.MustParseAddrPort(addr)))
	if err != nil {
		t.Skipf("cannot listen on %s %s: %v", network, addr, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func newBatch(t *testing.T, c *net.UDPConn, n int) *Batch {
	t.Helper()
	b, err := New(c, n)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// readAll reads until want datagrams came, in batches.
func readAll(t *testing.T, b *Batch, want int) []Message {
	t.Helper()
	var got []Message
	for len(got) < want {
		ms := make([]Message, 8)
		for i := range ms {
			ms[i].Buf = make([]byte, 100)
		}
		n, err := b.Read(ms)
		if err != nil {
			t.Fatalf("after %d datagrams: %v", len(got), err)
		}
		got = append(got, ms[:n]...)
	}
	return got
}

// Datagrams sent in one batch to several peers arrive whole, each with
// its sender's address, on IPv4, IPv6 and a dual-stack socket (whose
// IPv4 peers are v4-mapped).
func TestWriteAndReadBatches(t *testing.T) {
	for _, tc := range []struct{ network, server, client string }{
		{"udp4", "127.0.0.1:0", "127.0.0.1:0"},
		{"udp6", "[::1]:0", "[::1]:0"},
		{"udp", "[::]:0", "127.0.0.1:0"},
	} {
		t.Run(tc.network, func(t *testing.T) {
			srv := listen(t, tc.network, tc.server)
			port := srv.LocalAddr().(*net.UDPAddr).AddrPort().Port()
			to := netip.AddrPortFrom(netip.MustParseAddrPort(tc.client).Addr(), port)
			peers := []*net.UDPConn{listen(t, "udp", tc.client), listen(t, "udp", tc.client)}
			var out []Message
			for i := range 10 {
				p := peers[i%2]
				p.SetDeadline(time.Now().Add(5 * time.Second))
				if _, err := p.WriteToUDPAddrPort([]byte(fmt.Sprintf("request %d", i)), to); err != nil {
					t.Fatal(err)
				}
				out = append(out, Message{Buf: []byte(fmt.Sprintf("answer %d", i)), Addr: p.LocalAddr().(*net.UDPAddr).AddrPort()})
			}
			srv.SetDeadline(time.Now().Add(5 * time.Second))
			b := newBatch(t, srv, 16)
			got := readAll(t, b, 10)
			for i, m := range got {
				from := peers[i%2].LocalAddr().(*net.UDPAddr).AddrPort()
				if string(m.Buf[:m.N]) != fmt.Sprintf("request %d", i) || m.Addr.Addr().Unmap() != from.Addr() || m.Addr.Port() != from.Port() {
					t.Errorf("datagram %d: %q from %v, want from %v", i, m.Buf[:m.N], m.Addr, from)
				}
			}
			for sent := 0; sent < len(out); {
				n, err := b.Write(out[sent:])
				if err != nil {
					t.Fatal(err)
				}
				sent += n
			}
			for i := range out {
				buf := make([]byte, 100)
				n, err := peers[i%2].Read(buf)
				if err != nil || string(buf[:n]) != fmt.Sprintf("answer %d", i) {
					t.Fatalf("peer %d: %q %v, want answer %d", i%2, buf[:n], err, i)
				}
			}
		})
	}
}

// A connected socket reads and writes without addresses; a batch larger
// than the Batch is cut to its size.
func TestConnectedSocket(t *testing.T) {
	srv := listen(t, "udp4", "127.0.0.1:0")
	c, err := net.DialUDP("udp4", nil, srv.LocalAddr().(*net.UDPAddr))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	b := newBatch(t, c, 2)
	ms := []Message{{Buf: []byte("a")}, {Buf: []byte("bb")}, {Buf: []byte("ccc")}}
	if n, err := b.Write(ms); n != 2 || err != nil {
		t.Fatalf("wrote %d, %v; want 2", n, err)
	}
	srv.SetDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 10)
	for _, want := range []string{"a", "bb"} {
		n, from, err := srv.ReadFromUDPAddrPort(buf)
		if err != nil || string(buf[:n]) != want {
			t.Fatalf("got %q %v, want %q", buf[:n], err, want)
		}
		srv.WriteToUDPAddrPort([]byte("re:"+want), from)
	}
	c.SetDeadline(time.Now().Add(5 * time.Second))
	got := readAll(t, b, 2)
	if string(got[0].Buf[:got[0].N]) != "re:a" || got[0].Addr.IsValid() {
		t.Errorf("first answer %q from %v", got[0].Buf[:got[0].N], got[0].Addr)
	}
}

// Read returns the socket's errors: its deadline, and net.ErrClosed once
// it is closed; Write refuses a destination the socket cannot reach.
func TestErrors(t *testing.T) {
	c := listen(t, "udp4", "127.0.0.1:0")
	b := newBatch(t, c, 4)
	ms := []Message{{Buf: make([]byte, 10)}}
	c.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
	if _, err := b.Read(ms); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("past the deadline: %v", err)
	}
	if _, err := b.Write([]Message{{Buf: []byte("x"), Addr: netip.MustParseAddrPort("[2001:db8::1]:1812")}}); err == nil {
		t.Error("an IPv6 destination on an IPv4 socket was taken")
	}
	if _, err := b.Write([]Message{{Buf: []byte("x")}}); err == nil {
		t.Error("a datagram without a destination was taken")
	}
	done := make(chan error, 1)
	c.SetReadDeadline(time.Time{})
	go func() { _, err := b.Read(ms); done <- err }() // waiting in the poller, or not yet
	c.Close()
	if err := <-done; !errors.Is(err, net.ErrClosed) {
		t.Errorf("after Close: %v", err)
	}
}
