package radsec

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"sync/atomic"
	"testing"
	"time"

	layeh "layeh.com/radius"
)

func TestExchangeNeedsRadSecSecret(t *testing.T) {
	r := newRig(t, nil)
	c := r.client(r.nasCert)
	if _, err := c.Exchange(context.Background(), layeh.New(layeh.CodeAccessRequest, []byte("other"))); !errors.Is(err, ErrSecret) {
		t.Fatalf("err = %v, want ErrSecret", err)
	}
}

func TestClientChecksServerName(t *testing.T) {
	r := newRig(t, nil)
	c, err := NewClient(ClientConfig{Addr: r.addr, TLS: &tls.Config{Certificates: []tls.Certificate{r.nasCert.TLS},
		RootCAs: r.ca.Pool, ServerName: "someone-else.example.net"}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Status(context.Background()); err == nil {
		t.Fatal("a server with another name was accepted")
	}
}

// A server that takes the connection but never answers: Status times out
// and drops it, so the next exchange dials a new connection.
func TestStatusTimeoutRedials(t *testing.T) {
	r := newRig(t, nil)
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{r.srvCert.TLS}})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var conns atomic.Int64
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			go func() { io.Copy(io.Discard, c); c.Close() }()
		}
	}()
	c, err := NewClient(ClientConfig{Addr: ln.Addr().String(), Timeout: 150 * time.Millisecond,
		TLS: &tls.Config{Certificates: []tls.Certificate{r.nasCert.TLS}, RootCAs: r.ca.Pool, ServerName: "radsec.example.net"}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for range 2 {
		var ne net.Error
		if err := c.Status(context.Background()); !errors.Is(err, context.DeadlineExceeded) && !errors.As(err, &ne) {
			t.Fatalf("Status against a silent server: %v", err)
		}
	}
	if n := conns.Load(); n != 2 {
		t.Errorf("%d connections, want 2 (a new one after the failed probe)", n)
	}
}

// A server that closes the connection as a request arrives (an idle
// timeout racing the request): the request goes once more on a new
// connection and is answered there.
func TestLostRequestRetriedOnNewConnection(t *testing.T) {
	r := newRig(t, nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var conns atomic.Int64
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			if conns.Add(1) == 1 {
				// Finish the handshake, take the request, then hang up.
				tc := tls.Server(c, &tls.Config{Certificates: []tls.Certificate{r.srvCert.TLS}})
				go func() { tc.Read(make([]byte, 4096)); tc.Close() }()
				continue
			}
			go func() { // later connections reach the real server
				up, err := net.Dial("tcp", r.addr)
				if err != nil {
					c.Close()
					return
				}
				go func() { io.Copy(up, c); up.Close() }()
				io.Copy(c, up)
				c.Close()
			}()
		}
	}()
	c := r.clientAt(ln.Addr().String(), r.nasCert)
	if err := c.Status(context.Background()); err != nil {
		t.Fatalf("Status: %v, want answered on a second connection", err)
	}
	if n := conns.Load(); n != 2 {
		t.Errorf("%d connections, want 2", n)
	}
}

// hungServer accepts TCP connections and never starts TLS, so a dial to
// it hangs in the handshake; accepted reports each connection.
func hungServer(t *testing.T) (addr string, accepted <-chan struct{}) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ch := make(chan struct{}, 16)
	done := make(chan []net.Conn)
	go func() {
		var held []net.Conn
		for {
			c, err := ln.Accept()
			if err != nil {
				done <- held
				return
			}
			held = append(held, c)
			ch <- struct{}{}
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		for _, c := range <-done {
			c.Close()
		}
	})
	return ln.Addr().String(), ch
}

// A dial that hangs (a server that never finishes the handshake) holds
// up neither Close nor a caller whose context ends first: the dial runs
// outside the client's lock, and the callers wait on it within their own
// contexts.
func TestCloseDuringHungDial(t *testing.T) {
	r := newRig(t, nil)
	addr, accepted := hungServer(t)
	c, err := NewClient(ClientConfig{Addr: addr, Timeout: time.Minute, DialTimeout: time.Minute,
		TLS: &tls.Config{Certificates: []tls.Certificate{r.nasCert.TLS}, RootCAs: r.ca.Pool, ServerName: "radsec.example.net"}})
	if err != nil {
		t.Fatal(err)
	}
	first := make(chan error, 1)
	go func() { first <- c.Status(context.Background()) }()
	select {
	case <-accepted:
	case <-time.After(10 * time.Second):
		t.Fatal("the client never dialled")
	}
	// A second caller with a short deadline waits on the same dial, and
	// returns at its deadline.
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := c.Status(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("second caller: %v, want its deadline", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("second caller waited %v, beyond its own deadline", d)
	}
	closed := make(chan struct{})
	go func() { c.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("Close waited for the hung dial")
	}
	select {
	case err := <-first:
		if !errors.Is(err, ErrClosed) {
			t.Fatalf("first caller: %v, want ErrClosed", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the first caller still waits on the abandoned dial")
	}
	select {
	case <-accepted:
		t.Fatal("the second caller dialled again instead of waiting on the first dial")
	default:
	}
}
