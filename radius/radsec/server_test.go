package radsec

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"math/big"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	layeh "layeh.com/radius"
	"layeh.com/radius/rfc2865"

	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/internal/secrets/secretstest"
	"github.com/wifihk/wifihk/internal/storetest"
	"github.com/wifihk/wifihk/radius"
	"github.com/wifihk/wifihk/radius/radsec/radsectest"
)

// testHandler answers Access-Request with Access-Accept carrying the
// User-Name back and Accounting-Request with Accounting-Response, after
// a random delay of up to delay so answers come back out of order.
type testHandler struct {
	delay time.Duration
	calls atomic.Int64
}

func (h *testHandler) ServeRADIUS(_ context.Context, r *radius.Request) (radius.Response, error) {
	h.calls.Add(1)
	if h.delay > 0 {
		n, _ := rand.Int(rand.Reader, big.NewInt(int64(h.delay)))
		time.Sleep(time.Duration(n.Int64()))
	}
	if r.Code == layeh.CodeAccountingRequest {
		return radius.Response{Code: layeh.CodeAccountingResponse}, nil
	}
	return radius.Response{Code: layeh.CodeAccessAccept, Attributes: layeh.Attributes{
		{Type: rfc2865.ReplyMessage_Type, Attribute: []byte(rfc2865.UserName_GetString(r.Packet))}}}, nil
}

// rig is a RadSec server on 127.0.0.1:0 in front of radius servers with
// testHandler, over a real registry with one NAS identified by its
// certificate.
type rig struct {
	t       testing.TB
	ca      *radsectest.CA
	srv     *Server
	addr    string
	handler *testHandler
	prom    *prometheus.Registry
	nasCert radsectest.Issued
	srvCert radsectest.Issued
	logs    *syncBuffer
	nasID   string // the registry's ID of nas-1, whose certificate is nasCert
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func newRig(t testing.TB, tune func(*ServerConfig)) *rig {
	t.Helper()
	reg := newRegistry(t)
	r := &rig{t: t, ca: radsectest.NewCA(t, "NAS CA"), handler: &testHandler{}, prom: prometheus.NewRegistry(), logs: &syncBuffer{}}
	r.nasCert = r.ca.Client("nas-1", "nas-1.example.net")
	r.srvCert = r.ca.Server("radsec.example.net", "radsec.example.net", "127.0.0.1")
	nas1, err := reg.AddNAS(hotspots.NASInput{Name: "nas-1", IP: "192.0.2.1", Secret: "udp-secret",
		Cert: hotspots.CertIdentity{Issuer: "NAS CA", Subject: "nas-1", SAN: "nas-1.example.net"}})
	if err != nil {
		t.Fatal(err)
	}
	r.nasID = nas1.ID
	met := radius.NewMetrics(r.prom)
	log := slog.New(slog.NewTextHandler(r.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	auth, err := radius.NewServer(radius.ServerConfig{Port: radius.AuthPort, NAS: reg, Handler: r.handler, Metrics: met, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	acct, err := radius.NewServer(radius.ServerConfig{Port: radius.AcctPort, NAS: reg, Handler: r.handler, Metrics: met, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	cfg := ServerConfig{
		TLS: &tls.Config{Certificates: []tls.Certificate{r.srvCert.TLS}, ClientCAs: r.ca.Pool},
		NAS: reg, Auth: auth, Acct: acct, Metrics: NewMetrics(r.prom), Log: log,
	}
	if tune != nil {
		tune(&cfg)
	}
	if r.srv, err = NewServer(cfg); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r.addr = ln.Addr().String()
	done := make(chan error, 1)
	go func() { done <- r.srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := r.srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		if err := <-done; !errors.Is(err, radius.ErrServerClosed) {
			t.Errorf("Serve: %v", err)
		}
	})
	return r
}

// newRegistry is a registry on a fresh store under a random master key.
func newRegistry(t testing.TB) *hotspots.Registry {
	t.Helper()
	reg, err := hotspots.New(storetest.Open(t), secretstest.New(t))
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

// client returns a Client with cert that trusts the rig's CA.
func (r *rig) client(cert radsectest.Issued) *Client {
	r.t.Helper()
	return r.clientAt(r.addr, cert)
}

// clientAt is client for a server at addr, such as a proxy in front of r.
func (r *rig) clientAt(addr string, cert radsectest.Issued) *Client {
	r.t.Helper()
	c, err := NewClient(ClientConfig{Addr: addr, Timeout: 3 * time.Second,
		TLS: &tls.Config{Certificates: []tls.Certificate{cert.TLS}, RootCAs: r.ca.Pool, ServerName: "radsec.example.net"}})
	if err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(func() { c.Close() })
	return c
}

// dialRaw opens a TLS connection with cert, for writing raw bytes.
func (r *rig) dialRaw(cert radsectest.Issued) *tls.Conn {
	r.t.Helper()
	return r.dialRawFrom(cert, "")
}

func accessRequest(user string) *layeh.Packet {
	p := layeh.New(layeh.CodeAccessRequest, []byte(Secret))
	rfc2865.UserName_SetString(p, user)
	rfc2865.UserPassword_SetString(p, "pw")
	return p
}

func TestExchangeManyInFlight(t *testing.T) {
	r := newRig(t, nil)
	r.handler.delay = 5 * time.Millisecond
	c := r.client(r.nasCert)
	const n = 600 // more than 256 identifiers: some wait for a free one
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			user := "user" + big.NewInt(int64(i)).String()
			if i%3 == 0 {
				acct := layeh.New(layeh.CodeAccountingRequest, []byte(Secret))
				rfc2865.UserName_SetString(acct, user)
				resp, err := c.Exchange(context.Background(), acct)
				if err == nil && resp.Code != layeh.CodeAccountingResponse {
					err = errors.New("accounting answered with " + resp.Code.String())
				}
				errs <- err
				return
			}
			resp, err := c.Exchange(context.Background(), accessRequest(user))
			switch {
			case err != nil:
			case resp.Code != layeh.CodeAccessAccept:
				err = errors.New("got " + resp.Code.String())
			case rfc2865.ReplyMessage_GetString(resp) != user:
				err = errors.New("answer for " + rfc2865.ReplyMessage_GetString(resp) + " given to " + user)
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Status(context.Background()); err != nil {
		t.Fatalf("Status-Server: %v", err)
	}
	if got := testutil.ToFloat64(r.srv.met.accepted); got != 1 {
		t.Errorf("connections accepted = %v, want 1 (one connection carries everything)", got)
	}
}

func TestRefusesUnknownAndUntrustedCertificates(t *testing.T) {
	r := newRig(t, nil)
	other := radsectest.NewCA(t, "Other CA")
	for _, tc := range []struct {
		name   string
		cert   radsectest.Issued
		reason string
	}{
		{"trusted CA but no NAS", r.ca.Client("nas-2", "nas-2.example.net"), refusedUnknown},
		{"same names, untrusted CA", other.Client("nas-1", "nas-1.example.net"), refusedHandshake},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := r.client(tc.cert)
			if _, err := c.Exchange(context.Background(), accessRequest("alice")); err == nil {
				t.Fatal("answered")
			}
			waitFor(t, func() bool { return testutil.ToFloat64(r.srv.met.refusedV.WithLabelValues(tc.reason)) >= 1 })
		})
	}
	if r.handler.calls.Load() != 0 {
		t.Errorf("handler ran %d times for refused clients", r.handler.calls.Load())
	}
}

func TestRefusesTLS11(t *testing.T) {
	r := newRig(t, nil)
	_, err := tls.Dial("tcp", r.addr, &tls.Config{Certificates: []tls.Certificate{r.nasCert.TLS}, RootCAs: r.ca.Pool,
		ServerName: "radsec.example.net", MaxVersion: tls.VersionTLS11})
	if err == nil {
		t.Fatal("TLS 1.1 handshake succeeded")
	}
}

func TestNoClientCertificate(t *testing.T) {
	r := newRig(t, nil)
	c, err := tls.Dial("tcp", r.addr, &tls.Config{RootCAs: r.ca.Pool, ServerName: "radsec.example.net"})
	if err == nil {
		// TLS 1.3 reports the missing certificate on the first read.
		c.SetReadDeadline(time.Now().Add(3 * time.Second))
		_, err = c.Read(make([]byte, 1))
		c.Close()
	}
	if err == nil || errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("connection without a client certificate: %v", err)
	}
}

func TestJunkClosesConnection(t *testing.T) {
	for _, tc := range []struct {
		name, junk, log string
	}{
		{"length under header", "\x01\x01\x00\x05" + strings.Repeat("x", 16), "length field 5 is outside 20-4096"},
		{"oversize", "\x01\x01\x10\x01" + strings.Repeat("x", 16), "length field 4097 is outside 20-4096"},
		{"short read", "\x01\x01\x00\x40" + strings.Repeat("x", 20), "stream ended inside a 64-byte packet"},
		{"short header", "\x01\x01\x00", "stream ended inside a packet header"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, nil)
			c := r.dialRaw(r.nasCert)
			c.Write([]byte(tc.junk))
			if tc.name == "short read" || tc.name == "short header" {
				c.CloseWrite()
			}
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			if n, err := c.Read(make([]byte, 100)); err != io.EOF {
				t.Fatalf("read after junk = %d, %v; want the server to close", n, err)
			}
			waitFor(t, func() bool { return strings.Contains(r.logs.String(), tc.log) })
			if r.handler.calls.Load() != 0 {
				t.Error("handler ran for junk")
			}
		})
	}
}

func TestIdleTimeout(t *testing.T) {
	r := newRig(t, func(c *ServerConfig) { c.IdleTimeout = 200 * time.Millisecond })
	c := r.dialRaw(r.nasCert)
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	start := time.Now()
	if _, err := c.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("idle connection: %v, want closed by server", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("closed after %v", d)
	}
	waitFor(t, func() bool { return testutil.ToFloat64(r.srv.met.closedV.WithLabelValues(closedIdle)) == 1 })
	// The client dials again after its connection went away.
	cl := r.client(r.nasCert)
	if err := cl.Status(context.Background()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return testutil.ToFloat64(r.srv.met.closedV.WithLabelValues(closedIdle)) == 2 })
	if err := cl.Status(context.Background()); err != nil {
		t.Fatalf("after reconnect: %v", err)
	}
}

func TestMaxConns(t *testing.T) {
	r := newRig(t, func(c *ServerConfig) { c.MaxConns = 2 })
	r.dialRaw(r.nasCert)
	r.dialRaw(r.nasCert)
	waitFor(t, func() bool { return r.srv.conns.Load() == 2 })
	c, err := net.Dial("tcp", r.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("third connection: %v, want closed", err)
	}
	if got := testutil.ToFloat64(r.srv.met.refusedV.WithLabelValues(refusedOverLimit)); got != 1 {
		t.Errorf("over_limit = %v", got)
	}
}

// A retransmission on the connection is answered from the reply cache,
// not handled twice; an Access-Request without Message-Authenticator is
// dropped as on UDP.
func TestSameRulesAsUDP(t *testing.T) {
	r := newRig(t, nil)
	c := r.dialRaw(r.nasCert)
	p := accessRequest("bob")
	p.Identifier = 7
	b, err := radius.EncodeRequest(p)
	if err != nil {
		t.Fatal(err)
	}
	noMA, err := accessRequest("mallory").Encode()
	if err != nil {
		t.Fatal(err)
	}
	c.Write(noMA)
	buf := make([]byte, maxLen)
	var replies [][]byte
	for range 2 {
		// The retransmission goes once the first is answered: one that
		// arrives while its original is still being handled is dropped,
		// as on UDP, and would get no reply of its own.
		c.Write(b)
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		reply, err := readPacket(c, buf)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := radius.CheckReply(reply, b, []byte(Secret)); err != nil {
			t.Fatal(err)
		}
		replies = append(replies, append([]byte(nil), reply...))
	}
	if !bytes.Equal(replies[0], replies[1]) {
		t.Error("retransmission got a different answer")
	}
	if n := r.handler.calls.Load(); n != 1 {
		t.Errorf("handler ran %d times, want 1", n)
	}
	// Requests on one connection are handled side by side: the drop of
	// the first may be counted after the others are answered.
	waitFor(t, func() bool { return r.counter("wifihk_radius_drops_total", "reason", radius.DropMissingMA) == 1 })
}

func waitFor(t *testing.T, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// counter reads a counter of the rig's registry with the label set.
func (r *rig) counter(name, label, value string) float64 {
	r.t.Helper()
	fams, err := r.prom.Gather()
	if err != nil {
		r.t.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == label && l.GetValue() == value {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}
