package radsec

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	layeh "layeh.com/radius"

	"github.com/wifihk/wifihk/radius"
)

// ClientConfig configures a Client. Zero fields take the stated defaults.
type ClientConfig struct {
	// Addr is the home server's host:port (RadSec's port is 2083).
	Addr string
	// TLS holds the client certificate, RootCAs (the server's CA) and
	// ServerName (the name its certificate must carry; default the host
	// of Addr). The client forces TLS 1.2 or later.
	TLS *tls.Config
	// Timeout bounds one exchange when ctx has no earlier deadline.
	// Default 5s.
	Timeout time.Duration
	// DialTimeout bounds connecting and the handshake. Default 5s.
	DialTimeout time.Duration
	// VerifyName, when set, judges the server's certificate instead of
	// the check against ServerName; its chain is still verified against
	// RootCAs, which must then be set.
	VerifyName func(leaf *x509.Certificate) error
	Log        *slog.Logger
}

var (
	// ErrClosed is returned by a Client's Exchange after Close.
	ErrClosed = errors.New("radsec: client closed")
	// ErrSecret means a packet was not built with Secret.
	ErrSecret = errors.New(`radsec: build the packet with the secret "radsec" (RFC 6614 §2.3): User-Password is hidden with it`)
)

// Client sends requests to one RadSec server over one TLS connection,
// with up to 256 in flight (one per Identifier), answers matched as they
// come. A request whose connection breaks before its answer is sent
// once more on a new connection, then fails.
type Client struct {
	cfg ClientConfig
	tls *tls.Config
	log *slog.Logger
	ids chan byte // free Identifiers

	stop context.Context // cancelled by Close: ends a dial in progress
	halt context.CancelFunc

	mu     sync.Mutex
	conn   *clientConn
	dial   *dialing // the dial in progress, or nil
	closed bool
	late   atomic.Uint64 // answers no request waited for
}

// dialing is one dial that every caller needing a connection waits on,
// each within its own context.
type dialing struct {
	done chan struct{} // closed when cc or err is set
	cc   *clientConn
	err  error
}

// clientConn is one connection and the requests waiting on it.
type clientConn struct {
	c       *tls.Conn
	out     chan []byte   // requests to write
	done    chan struct{} // closed when the connection has failed
	mu      sync.Mutex
	pending map[byte]*call
	err     error // set once the connection failed
}

type call struct {
	req   []byte
	reply chan []byte
}

// NewClient checks cfg; it connects on the first Exchange.
func NewClient(cfg ClientConfig) (*Client, error) {
	host, _, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("radsec: Addr: %q is not host:port", cfg.Addr)
	}
	if cfg.TLS == nil || len(cfg.TLS.Certificates) == 0 && cfg.TLS.GetClientCertificate == nil {
		return nil, errors.New("radsec: TLS: a client certificate is required")
	}
	if cfg.TLS.InsecureSkipVerify {
		return nil, errors.New("radsec: TLS: InsecureSkipVerify is not allowed; set RootCAs and ServerName")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Second
	}
	if cfg.DialTimeout <= 0 {
		cfg.DialTimeout = 5 * time.Second
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	t := cfg.TLS.Clone()
	t.MinVersion = max(t.MinVersion, tls.VersionTLS12)
	if t.ServerName == "" {
		t.ServerName = host
	}
	if cfg.VerifyName != nil {
		if t.RootCAs == nil {
			return nil, errors.New("radsec: TLS: VerifyName needs RootCAs")
		}
		t.InsecureSkipVerify = true // the chain is verified below, the name by VerifyName
		t.VerifyConnection = verifyChain(t.RootCAs, cfg.VerifyName)
	}
	ids := make(chan byte, 256)
	for i := range 256 {
		ids <- byte(i)
	}
	stop, halt := context.WithCancel(context.Background())
	return &Client{cfg: cfg, tls: t, log: cfg.Log.With("component", "radsec", "server", cfg.Addr), ids: ids,
		stop: stop, halt: halt}, nil
}

// verifyChain verifies the server's chain against roots, as TLS would,
// then lets name judge the leaf.
func verifyChain(roots *x509.CertPool, name func(*x509.Certificate) error) func(tls.ConnectionState) error {
	return func(cs tls.ConnectionState) error {
		if len(cs.PeerCertificates) == 0 {
			return errors.New("radsec: the server sent no certificate")
		}
		inter := x509.NewCertPool()
		for _, c := range cs.PeerCertificates[1:] {
			inter.AddCert(c)
		}
		leaf := cs.PeerCertificates[0]
		if _, err := leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}); err != nil {
			return fmt.Errorf("radsec: server certificate: %w", err)
		}
		return name(leaf)
	}
}

// Exchange sends p and returns the verified answer. p must be built with
// the RadSec secret (layeh.New(code, []byte(radsec.Secret))), since
// User-Password is hidden with it when set; its Identifier is chosen here.
// Requests but Accounting-Request carry a Message-Authenticator.
func (c *Client) Exchange(ctx context.Context, p *layeh.Packet) (*layeh.Packet, error) {
	if string(p.Secret) != Secret {
		return nil, ErrSecret
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	var id byte
	select {
	case id = <-c.ids:
	case <-ctx.Done():
		return nil, fmt.Errorf("radsec: %s: no free identifier: %w", c.cfg.Addr, ctx.Err())
	}
	defer func() { c.ids <- id }()
	q := *p
	q.Identifier, q.Secret = id, []byte(Secret)
	req, err := encode(&q)
	if err != nil {
		return nil, err
	}
	// A connection the server closed while idle is found dead only when
	// a request goes out on it: that request goes once more on a new one
	// (RADIUS over TCP retransmits only when a connection is replaced).
	for attempt := 0; ; attempt++ {
		cc, err := c.connect(ctx)
		if err != nil {
			return nil, err
		}
		b, err := c.roundTrip(ctx, cc, id, req, p.Code)
		if errors.Is(err, errLost) && attempt == 0 && ctx.Err() == nil {
			continue
		}
		if err != nil {
			return nil, err
		}
		return radius.CheckReply(b, req, []byte(Secret))
	}
}

// errLost marks a request whose connection failed before its answer.
var errLost = errors.New("connection lost")

// roundTrip sends req on cc and waits for its answer.
func (c *Client) roundTrip(ctx context.Context, cc *clientConn, id byte, req []byte, code layeh.Code) ([]byte, error) {
	cl := &call{req: req, reply: make(chan []byte, 1)}
	if err := cc.send(id, cl); err != nil {
		c.drop(cc)
		return nil, fmt.Errorf("radsec: %s: %w: %w", c.cfg.Addr, errLost, err)
	}
	select {
	case b, ok := <-cl.reply:
		if !ok {
			c.drop(cc)
			return nil, fmt.Errorf("radsec: %s: %w: %w", c.cfg.Addr, errLost, cc.failure())
		}
		return b, nil
	case <-ctx.Done():
		cc.forget(id, cl)
		if code == layeh.CodeStatusServer {
			// A connection that cannot answer a probe is dead or
			// wedged: the next exchange dials a new one.
			c.drop(cc)
		}
		return nil, fmt.Errorf("radsec: %s: no answer: %w", c.cfg.Addr, ctx.Err())
	}
}

// Status sends Status-Server (RFC 5997), as a probe or keepalive; nil
// means the server answered. When it times out, the connection is
// dropped (as for any Status-Server sent through Exchange).
func (c *Client) Status(ctx context.Context) error {
	_, err := c.Exchange(ctx, layeh.New(layeh.CodeStatusServer, []byte(Secret)))
	return err
}

// LateAnswers counts answers that matched no waiting request (late, or
// to a request that timed out): dropped.
func (c *Client) LateAnswers() uint64 { return c.late.Load() }

// Close closes the connection and abandons a dial in progress at once;
// later exchanges fail with ErrClosed.
func (c *Client) Close() error {
	c.halt()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	if c.conn != nil {
		c.conn.c.Close()
		c.conn = nil
	}
	return nil
}

// connect returns the live connection, or waits (within ctx) for the one
// dial in progress, starting it if there is none. The dial runs outside
// the lock, so a dead server holds up neither Close nor the callers
// whose contexts end first.
func (c *Client) connect(ctx context.Context) (*clientConn, error) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil, ErrClosed
	}
	if c.conn != nil && c.conn.failure() == nil {
		cc := c.conn
		c.mu.Unlock()
		return cc, nil
	}
	d := c.dial
	if d == nil {
		d = &dialing{done: make(chan struct{})}
		c.dial = d
		go c.dialOnce(d)
	}
	c.mu.Unlock()
	select {
	case <-d.done:
		return d.cc, d.err
	case <-ctx.Done():
		return nil, fmt.Errorf("radsec: dial %s: %w", c.cfg.Addr, ctx.Err())
	}
}

// dialOnce connects within DialTimeout (or until Close) and hands the
// connection, or the error, to everyone waiting on d.
func (c *Client) dialOnce(d *dialing) {
	dctx, cancel := context.WithTimeout(c.stop, c.cfg.DialTimeout)
	defer cancel()
	dl := tls.Dialer{NetDialer: &net.Dialer{}, Config: c.tls}
	nc, err := dl.DialContext(dctx, "tcp", c.cfg.Addr)
	c.mu.Lock()
	defer close(d.done)
	defer c.mu.Unlock()
	c.dial = nil
	switch {
	case c.closed:
		if nc != nil {
			nc.Close()
		}
		d.err = ErrClosed
	case err != nil:
		d.err = fmt.Errorf("radsec: dial %s: %w", c.cfg.Addr, err)
	default:
		cc := &clientConn{c: nc.(*tls.Conn), pending: map[byte]*call{}, out: make(chan []byte, 256), done: make(chan struct{})}
		c.conn, d.cc = cc, cc
		go cc.readLoop(c.log, &c.late)
		go cc.writeLoop()
	}
}

// drop forgets cc if it is still the live connection, so the next
// exchange dials again.
func (c *Client) drop(cc *clientConn) {
	c.mu.Lock()
	if c.conn == cc {
		c.conn = nil
	}
	c.mu.Unlock()
	cc.c.Close()
}

func (cc *clientConn) send(id byte, cl *call) error {
	cc.mu.Lock()
	if cc.err != nil {
		cc.mu.Unlock()
		return cc.err
	}
	cc.pending[id] = cl
	cc.mu.Unlock()
	cc.out <- cl.req // never blocks: at most 256 requests, one per Identifier
	return nil
}

// writeLoop writes requests as they come, several in one TLS record and
// system call when they queue up; a write that fails or takes over 5 s
// closes the connection, which fails the requests waiting on it.
func (cc *clientConn) writeLoop() {
	w := bufio.NewWriterSize(cc.c, 16<<10)
	for {
		select {
		case b := <-cc.out:
			cc.c.SetWriteDeadline(time.Now().Add(5 * time.Second))
			w.Write(b)
		more:
			for w.Available() >= maxLen {
				select {
				case b := <-cc.out:
					w.Write(b)
				default:
					break more
				}
			}
			if err := w.Flush(); err != nil {
				cc.c.Close()
				return
			}
		case <-cc.done:
			return
		}
	}
}

func (cc *clientConn) forget(id byte, cl *call) {
	cc.mu.Lock()
	if cc.pending[id] == cl {
		delete(cc.pending, id)
	}
	cc.mu.Unlock()
}

func (cc *clientConn) failure() error {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	return cc.err
}

// readLoop delivers answers to their callers until the connection fails,
// then fails every request still waiting.
func (cc *clientConn) readLoop(log *slog.Logger, late *atomic.Uint64) {
	buf := make([]byte, maxLen)
	var err error
	for {
		var b []byte
		if b, err = readPacket(cc.c, buf); err != nil {
			break
		}
		cc.mu.Lock()
		cl := cc.pending[b[1]]
		delete(cc.pending, b[1])
		cc.mu.Unlock()
		if cl == nil {
			late.Add(1)
			continue
		}
		cl.reply <- append([]byte(nil), b...)
	}
	if errors.Is(err, ErrFrame) {
		log.Warn("radsec connection closed: " + err.Error())
	}
	cc.c.Close()
	close(cc.done)
	cc.mu.Lock()
	cc.err = fmt.Errorf("radsec: connection: %w", err)
	for id, cl := range cc.pending {
		close(cl.reply)
		delete(cc.pending, id)
	}
	cc.mu.Unlock()
}

// encode encodes a request. Accounting-Request goes without
// Message-Authenticator: its Request Authenticator already covers it, and
// peers differ on how to compute one there (radsecproxy rejects ours).
func encode(p *layeh.Packet) ([]byte, error) {
	if p.Code == layeh.CodeAccountingRequest {
		return p.Encode()
	}
	return radius.EncodeRequest(p)
}
