package radsec

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/netip"
	"testing"
	"time"

	layeh "layeh.com/radius"
	"layeh.com/radius/rfc2865"
	"layeh.com/radius/rfc3576"

	"github.com/wifihk/wifihk/radius"
	"github.com/wifihk/wifihk/radius/radsec/radsectest"
)

// A Disconnect-Request and a CoA-Request for a NAS connected over RadSec
// go over its open connection (RFC 6614 §2.5), signed with "radsec",
// and its ACK or NAK (with Error-Cause) comes back on it, in between
// the NAS's own requests; a NAS without a connection gets UDP instead.
func TestDisconnectOverRadSecConnection(t *testing.T) {
	r := newRig(t, nil)
	nas := r.dialRaw(r.nasCert)
	// A request of the NAS's own first: once answered, the connection
	// is known by its NAS.
	statusOn(t, nas)
	buf := make([]byte, maxLen)
	// The NAS answers what we send: Disconnect-ACK, then CoA-NAK.
	got := make(chan *layeh.Packet, 2)
	go func() {
		for _, code := range []layeh.Code{layeh.CodeDisconnectACK, layeh.CodeCoANAK} {
			b, err := readPacket(nas, make([]byte, maxLen))
			if err != nil {
				close(got)
				return
			}
			req, err := layeh.Parse(b, []byte(Secret))
			if err != nil {
				close(got)
				return
			}
			got <- req
			resp := req.Response(code)
			if code == layeh.CodeCoANAK {
				rfc3576.ErrorCause_Set(resp, rfc3576.ErrorCause_Value_SessionContextNotFound)
			}
			out, _ := resp.Encode()
			nas.Write(out)
		}
	}()
	c := radius.CoAClient{Stream: r.srv, Timeout: 2 * time.Second, Tries: 1}
	target := radius.DisconnectTarget{Username: "alice", NASID: r.nasID, NASAddr: netip.MustParseAddrPort("192.0.2.1:3799"), NASSecret: "udp-secret"}
	res, err := c.Disconnect(context.Background(), target)
	if err != nil || !res.ACK || !res.RadSec || res.To.String() != nas.LocalAddr().String() {
		t.Fatalf("Disconnect over RadSec: %+v %v (NAS at %s)", res, err, nas.LocalAddr())
	}
	if req := <-got; req == nil || req.Code != layeh.CodeDisconnectRequest || rfc2865.UserName_GetString(req) != "alice" {
		t.Fatalf("the NAS got %+v", req)
	}
	res, err = c.CoA(context.Background(), target, nil)
	if err != nil || res.ACK || res.Code != "CoA-NAK" || res.ErrorCause == "" {
		t.Fatalf("CoA over RadSec: %+v %v", res, err)
	}

	// No RadSec connection: UDP, to the NAS's CoA address.
	udp, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer udp.Close()
	target.NASID, target.NASAddr = "another-nas", udp.LocalAddr().(*net.UDPAddr).AddrPort()
	c.Timeout = 100 * time.Millisecond
	if _, _, err := r.srv.ExchangeNAS(context.Background(), "another-nas", netip.Addr{}, nil); !errors.Is(err, radius.ErrNoStream) {
		t.Errorf("a NAS without a connection: %v", err)
	}
	res, err = c.Disconnect(context.Background(), target)
	if !errors.Is(err, radius.ErrNoReply) || res.RadSec || res.To != target.NASAddr {
		t.Errorf("without a connection: %+v %v, want UDP to %s", res, err, target.NASAddr)
	}
	udp.SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, _ := udp.Read(buf); n < 20 || layeh.Code(buf[0]) != layeh.CodeDisconnectRequest {
		t.Errorf("no Disconnect-Request over UDP")
	}
}

// A NAS (one certificate) with two RadSec connections open: a
// Disconnect goes first on the connection from the address its
// session's requests came from, even when it is not the newest; without
// one, the newest is tried, and when it does not answer, the other in
// turn, whose ACK is the answer.
func TestDisconnectOverSeveralConnections(t *testing.T) {
	r := newRig(t, nil)
	// The server attaches a connection when its side of the handshake
	// ends; an answered Status-Server on each, in turn, fixes the order.
	older := r.dialRawFrom(r.nasCert, "127.0.0.2") // answers
	statusOn(t, older)
	newer := r.dialRawFrom(r.nasCert, "127.0.0.1") // reads, never answers
	statusOn(t, newer)
	got := make(chan string, 4)
	next := func() string {
		t.Helper()
		select {
		case who := <-got:
			return who
		case <-time.After(10 * time.Second):
			t.Fatal("no further request reached a connection")
			return ""
		}
	}
	answer := func(c *tls.Conn, code layeh.Code, name string) {
		for {
			b, err := readPacket(c, make([]byte, maxLen))
			if err != nil {
				return
			}
			got <- name
			if code == 0 {
				continue
			}
			req, err := layeh.Parse(b, []byte(Secret))
			if err != nil {
				return
			}
			out, _ := req.Response(code).Encode()
			c.Write(out)
		}
	}
	go answer(older, layeh.CodeDisconnectACK, "older")
	go answer(newer, 0, "newer")
	c := radius.CoAClient{Stream: r.srv, Timeout: time.Second, Tries: 1}
	target := radius.DisconnectTarget{Username: "alice", NASID: r.nasID, NASAddr: netip.MustParseAddrPort("127.0.0.2:3799"), NASSecret: "udp-secret"}
	res, err := c.Disconnect(context.Background(), target)
	if err != nil || !res.ACK || res.To.String() != older.LocalAddr().String() {
		t.Fatalf("from the session's address: %+v %v", res, err)
	}
	if who := next(); who != "older" {
		t.Fatalf("the request went first to the %s connection", who)
	}

	target.NASAddr = netip.MustParseAddrPort("192.0.2.1:3799") // known by no connection
	res, err = c.Disconnect(context.Background(), target)
	if err != nil || !res.ACK || !res.RadSec || res.To.String() != older.LocalAddr().String() {
		t.Fatalf("tried in turn: %+v %v", res, err)
	}
	if first, second := next(), next(); first != "newer" || second != "older" {
		t.Errorf("tried %s, then %s; want the newest first, then the other", first, second)
	}
}

// dialRawFrom is dialRaw from the local address ip (loopback; "" for
// any).
func (r *rig) dialRawFrom(cert radsectest.Issued, ip string) *tls.Conn {
	r.t.Helper()
	d := &net.Dialer{}
	if ip != "" {
		d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(ip)}
	}
	c, err := tls.DialWithDialer(d, "tcp", r.addr, &tls.Config{Certificates: []tls.Certificate{cert.TLS}, RootCAs: r.ca.Pool, ServerName: "radsec.example.net"})
	if err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(func() { c.Close() })
	return c
}

// statusOn sends a Status-Server on c and waits for its answer: the
// server then knows the connection's NAS.
func statusOn(t *testing.T, c *tls.Conn) {
	t.Helper()
	wire, err := radius.EncodeRequest(layeh.New(layeh.CodeStatusServer, []byte(Secret)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Write(wire); err != nil {
		t.Fatal(err)
	}
	if b, err := readPacket(c, make([]byte, maxLen)); err != nil || layeh.Code(b[0]) != layeh.CodeAccessAccept {
		t.Fatalf("Status-Server: %v %v", b, err)
	}
}
