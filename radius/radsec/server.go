package radsec

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	layeh "layeh.com/radius"

	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/radius"
)

// CertSource finds the NAS a verified client certificate belongs to;
// hotspots.Registry implements it.
type CertSource interface {
	NASForCert(cert *x509.Certificate) (hotspots.NAS, bool)
}

// ServerConfig configures a Server. Zero fields take the stated defaults.
type ServerConfig struct {
	// TLS holds the server certificate and ClientCAs, the CAs that sign
	// NAS certificates; both are required. The server forces TLS 1.2 or
	// later and a verified client certificate.
	TLS *tls.Config
	NAS CertSource // required
	// Auth answers Access-Request and Status-Server, Acct answers
	// Accounting-Request: the UDP servers, so RadSec gets the same policy.
	Auth, Acct *radius.Server // required
	Metrics    *Metrics       // required
	Log        *slog.Logger
	// IdleTimeout closes a connection that sends nothing for this long.
	// Default 120s.
	IdleTimeout time.Duration
	// HandshakeTimeout bounds the TLS handshake. Default 10s.
	HandshakeTimeout time.Duration
	// WriteTimeout bounds writing one reply; a client that does not read
	// is disconnected. Default 10s.
	WriteTimeout time.Duration
	// MaxConns is the most connections held at once; more are closed on
	// accept. Default 1024.
	MaxConns int
	// MaxInFlight is the most requests of one connection handled at once;
	// beyond it the server stops reading that connection. Default 256.
	MaxInFlight int
}

// Server serves RadSec connections.
type Server struct {
	cfg   ServerConfig
	tls   *tls.Config
	log   *slog.Logger
	met   *Metrics
	conns atomic.Int64
	mu    sync.Mutex
	ln    net.Listener
	open  map[net.Conn]struct{}
	// nasConns are the NAS's open connections by NAS ID, the newest
	// last, for the Disconnect- and CoA-Requests we send them
	// (dynauth.go).
	nasConns map[string][]*nasConn
	closed   bool
	wg       sync.WaitGroup
}

// NewServer checks cfg and returns a server that is not yet serving.
func NewServer(cfg ServerConfig) (*Server, error) {
	switch {
	case cfg.TLS == nil || len(cfg.TLS.Certificates) == 0 && cfg.TLS.GetCertificate == nil:
		return nil, errors.New("radsec: TLS: a server certificate is required")
	case cfg.TLS.ClientCAs == nil:
		return nil, errors.New("radsec: TLS: ClientCAs (the CAs of NAS certificates) are required")
	case cfg.NAS == nil || cfg.Auth == nil || cfg.Acct == nil || cfg.Metrics == nil:
		return nil, errors.New("radsec: NAS, Auth, Acct and Metrics are required")
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&cfg.IdleTimeout, 120*time.Second)
	def(&cfg.HandshakeTimeout, 10*time.Second)
	def(&cfg.WriteTimeout, 10*time.Second)
	if cfg.MaxConns <= 0 {
		cfg.MaxConns = 1024
	}
	if cfg.MaxInFlight <= 0 {
		cfg.MaxInFlight = 256
	}
	t := cfg.TLS.Clone()
	t.ClientAuth = tls.RequireAndVerifyClientCert
	t.MinVersion = max(t.MinVersion, tls.VersionTLS12)
	return &Server{cfg: cfg, tls: t, log: cfg.Log.With("component", "radsec"), met: cfg.Metrics,
		open: map[net.Conn]struct{}{}, nasConns: map[string][]*nasConn{}}, nil
}

// Serve accepts connections on ln until Shutdown or an accept error.
func (s *Server) Serve(ln net.Listener) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return radius.ErrServerClosed
	}
	s.ln = ln
	s.mu.Unlock()
	for {
		c, err := ln.Accept()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			s.mu.Lock()
			closed := s.closed
			s.mu.Unlock()
			if closed {
				return radius.ErrServerClosed
			}
			return fmt.Errorf("radsec: accept: %w", err)
		}
		if s.conns.Load() >= int64(s.cfg.MaxConns) {
			s.met.refused(refusedOverLimit)
			c.Close()
			continue
		}
		if !s.track(c) {
			c.Close()
			return radius.ErrServerClosed
		}
		go s.serveConn(c)
	}
}

// track registers an open connection; false once shutting down.
func (s *Server) track(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.open[c] = struct{}{}
	s.conns.Add(1)
	s.met.conns.Inc()
	s.wg.Add(1)
	return true
}

func (s *Server) untrack(c net.Conn) {
	s.mu.Lock()
	delete(s.open, c)
	s.mu.Unlock()
	s.conns.Add(-1)
	s.met.conns.Dec()
	s.wg.Done()
}

// Shutdown stops accepting, closes every connection and waits for their
// requests to finish, until ctx ends.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closed = true
	if s.ln != nil {
		s.ln.Close()
	}
	for c := range s.open {
		c.Close()
	}
	s.mu.Unlock()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// serveConn runs one connection: handshake, identify the NAS by its
// certificate, then read requests and answer each as it completes.
func (s *Server) serveConn(raw net.Conn) {
	defer s.untrack(raw)
	defer raw.Close()
	c := tls.Server(raw, s.tls)
	peer := raw.RemoteAddr().String()
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.HandshakeTimeout)
	err := c.HandshakeContext(ctx)
	cancel()
	if err != nil {
		s.met.refused(refusedHandshake)
		s.log.Info("radsec handshake failed", "peer", peer, "err", err)
		return
	}
	leaf := c.ConnectionState().PeerCertificates[0]
	nas, ok := s.cfg.NAS.NASForCert(leaf)
	if !ok {
		s.met.refused(refusedUnknown)
		s.log.Warn("radsec client certificate matches no NAS; closing", "peer", peer,
			"issuer", leaf.Issuer.String(), "subject", leaf.Subject.String())
		return
	}
	s.met.accepted.Inc()
	src := addrPort(raw.RemoteAddr())
	reason := s.readLoop(c, nas, src)
	s.met.closed(reason)
	s.log.Debug("radsec connection closed", "peer", peer, "nas", nas.Name, "reason", reason)
}

// readLoop reads and dispatches requests until the connection ends, then
// waits for those in flight; it returns why it ended.
func (s *Server) readLoop(c *tls.Conn, nas hotspots.NAS, src netip.AddrPort) string {
	var (
		inflight sync.WaitGroup
		sem      = make(chan struct{}, s.cfg.MaxInFlight)
		replies  = make(chan []byte, s.cfg.MaxInFlight)
		failed   atomic.Bool
		wdone    = make(chan struct{})
	)
	go func() { defer close(wdone); s.writeLoop(c, replies, &failed) }()
	nc := &nasConn{src: src, out: replies, waiting: map[byte]chan []byte{}}
	s.attach(nas.ID, nc)
	defer func() { s.detach(nas.ID, nc); inflight.Wait(); close(replies); <-wdone }()
	buf := make([]byte, maxLen)
	for {
		c.SetReadDeadline(time.Now().Add(s.cfg.IdleTimeout))
		b, err := readPacket(c, buf)
		if err != nil {
			if !errors.Is(err, io.EOF) {
				c.Close() // a half-closed client still gets its answers
			}
			return s.endReason(err, nas, src, &failed)
		}
		if isDynAuthAnswer(b[0]) {
			nc.deliver(b)
			continue
		}
		srv := s.cfg.Auth
		if layeh.Code(b[0]) == layeh.CodeAccountingRequest {
			srv = s.cfg.Acct
		}
		req := append([]byte(nil), b...)
		sem <- struct{}{}
		inflight.Add(1)
		go func() {
			defer func() { <-sem; inflight.Done() }()
			if reply := srv.Answer(req, src, nas, Secret); reply != nil {
				replies <- reply
			}
		}()
	}
}

// writeLoop writes replies as they come, several in one TLS record and
// system call when they queue up. A client that does not read within
// WriteTimeout loses its connection; later replies are discarded.
func (s *Server) writeLoop(c *tls.Conn, replies <-chan []byte, failed *atomic.Bool) {
	w := bufio.NewWriterSize(c, 16<<10)
	for reply := range replies {
		if failed.Load() {
			continue
		}
		c.SetWriteDeadline(time.Now().Add(s.cfg.WriteTimeout))
		w.Write(reply)
	more:
		for w.Available() >= maxLen {
			select {
			case r, ok := <-replies:
				if !ok {
					break more
				}
				w.Write(r)
			default:
				break more
			}
		}
		if err := w.Flush(); err != nil && !failed.Swap(true) {
			c.Close() // wakes the reader
		}
	}
}

// endReason names why a connection's reading ended and logs faults.
func (s *Server) endReason(err error, nas hotspots.NAS, src netip.AddrPort, failed *atomic.Bool) string {
	var ne net.Error
	switch {
	case failed.Load():
		s.log.Warn("radsec reply could not be written; connection closed", "nas", nas.Name, "peer", src.String())
		return closedWriteError
	case errors.Is(err, ErrFrame):
		s.log.Warn("radsec connection closed: "+err.Error(), "nas", nas.Name, "peer", src.String())
		return closedFraming
	case errors.Is(err, io.EOF):
		return closedEOF
	case errors.As(err, &ne) && ne.Timeout():
		return closedIdle
	case errors.Is(err, net.ErrClosed):
		return closedShutdown
	}
	s.log.Info("radsec connection closed", "nas", nas.Name, "peer", src.String(), "err", err)
	return closedError
}

func addrPort(a net.Addr) netip.AddrPort {
	if ta, ok := a.(*net.TCPAddr); ok {
		ap := ta.AddrPort()
		return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	}
	return netip.AddrPort{}
}
