package radius

import (
	"context"
	"crypto/md5"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	layeh "layeh.com/radius"

	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/internal/udpbatch"
)

// Port is which RADIUS service a listener provides.
type Port string

// The two listeners.
const (
	AuthPort Port = "auth" // Access-Request, Status-Server (1812)
	AcctPort Port = "acct" // Accounting-Request, Status-Server (1813)
)

// NASSource finds the NAS a packet came from and its shared secret;
// hotspots.Registry implements it.
type NASSource interface {
	NASForAddr(addr netip.Addr) (n hotspots.NAS, secret string, ok bool)
}

// Request is a verified request from a known NAS.
type Request struct {
	*layeh.Packet
	NAS hotspots.NAS
	Src netip.AddrPort
	// HasMA is true when it carried a valid Message-Authenticator.
	HasMA bool
	// Realm is the realm of its User-Name when a realm route sends it to
	// a home server (set by the Proxy).
	Realm string
}

// Response is a handler's answer. A zero Code means "send nothing".
type Response struct {
	Code       layeh.Code
	Attributes layeh.Attributes
}

// Handler answers the requests of one port; Status-Server is answered by
// the server itself. An error drops the request (the NAS will retry).
type Handler interface {
	ServeRADIUS(ctx context.Context, r *Request) (Response, error)
}

// BatchHandler is a Handler that can also answer several requests at
// once; the accounting handler does, so a batch of datagrams joins one
// group commit without a goroutine per packet. Responses and errors are
// per request, as from ServeRADIUS.
type BatchHandler interface {
	Handler
	ServeRADIUSBatch(ctx context.Context, rs []*Request) ([]Response, []error)
}

// AsyncBatchHandler is a Handler that answers a batch's requests as each
// completes, without holding the reader that read them: the proxy,
// whose answers come from home servers at their own pace. done is called
// once per request, from any goroutine, and must not block; with an
// after hold the reply waits for its Flush, so that replies completed
// together leave in one sendmmsg.
type AsyncBatchHandler interface {
	Handler
	StartRADIUSBatch(ctx context.Context, rs []*Request, done func(i int, resp Response, err error, after *SendHold))
}

// ServerConfig configures a Server. Zero fields take the stated defaults.
type ServerConfig struct {
	Port    Port      // required
	NAS     NASSource // required
	Handler Handler   // required
	Metrics *Metrics  // required
	Log     *slog.Logger
	// DupWindow is how long replies are kept for retransmissions. Default 5s.
	DupWindow time.Duration
	// UnknownLogEvery limits logging of unknown sources. Default 10s.
	UnknownLogEvery time.Duration
	// Readers is how many goroutines read the socket, each taking up to
	// Batch datagrams at a time (recvmmsg), handling them and sending the
	// replies together (sendmmsg). Readers x Batch is the most requests in
	// progress at once (and so the largest accounting group commit).
	// Default 64.
	Readers int
	// Batch is the most datagrams one read takes. Default 16.
	Batch int
	// Drops, when set, counts the drops from each NAS and the unknown
	// sources for the console; share one between the ports.
	Drops *Drops
}

// Server serves one RADIUS port on a UDP socket.
type Server struct {
	cfg     ServerConfig
	log     *slog.Logger
	met     *serverMetrics
	dup     *dupCache
	macs    *macPool // HMAC-MD5 states for Message-Authenticator
	sawMA   sync.Map // NAS ID -> true once it sent a Message-Authenticator ("auto")
	lastLog atomic.Int64
	dropLog sync.Map // NAS name NUL reason -> *atomic.Int64: when last logged (logDrop)
	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	mu      sync.Mutex
	conn    *net.UDPConn
	closed  atomic.Bool
	later   *replyQueue // replies of an AsyncBatchHandler
}

// NewServer checks cfg and returns a server that is not yet serving.
func NewServer(cfg ServerConfig) (*Server, error) {
	switch {
	case cfg.Port != AuthPort && cfg.Port != AcctPort:
		return nil, fmt.Errorf("radius: Port: %q is not auth or acct", cfg.Port)
	case cfg.NAS == nil || cfg.Handler == nil || cfg.Metrics == nil:
		return nil, errors.New("radius: NAS, Handler and Metrics are required")
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.DupWindow <= 0 {
		cfg.DupWindow = 5 * time.Second
	}
	if cfg.UnknownLogEvery <= 0 {
		cfg.UnknownLogEvery = 10 * time.Second
	}
	if cfg.Readers <= 0 {
		cfg.Readers = 64
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 16
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Server{
		cfg: cfg, log: cfg.Log.With("component", "radius", "port", string(cfg.Port)),
		met: cfg.Metrics.forServer(string(cfg.Port)), dup: newDupCache(cfg.DupWindow), macs: newMACPool(md5.New),
		ctx: ctx, cancel: cancel,
	}, nil
}

// Serve reads and answers packets from conn until Shutdown or a read
// error. Readers goroutines each read a batch of datagrams in one system
// call, handle them and send the replies in one system call, so a busy
// server makes two system calls per batch rather than per packet, keeps
// warm stacks and buffers, and excess load waits in the socket buffer.
func (s *Server) Serve(conn *net.UDPConn) error {
	s.mu.Lock()
	if s.closed.Load() {
		s.mu.Unlock()
		return ErrServerClosed
	}
	w, err := udpbatch.New(conn, replyBatch)
	if err != nil {
		s.mu.Unlock()
		return fmt.Errorf("radius: %w", err)
	}
	s.conn = conn
	s.later = &replyQueue{s: s, w: w}
	s.wg.Add(s.cfg.Readers)
	s.mu.Unlock()
	errc := make(chan error, s.cfg.Readers)
	for range s.cfg.Readers {
		go func() { defer s.wg.Done(); errc <- s.readLoop(conn) }()
	}
	var first error
	for range s.cfg.Readers {
		if err := <-errc; first == nil {
			first = err
			conn.Close() // one reader failing stops them all
		}
	}
	if s.closed.Load() {
		return ErrServerClosed
	}
	return first
}

func (s *Server) readLoop(conn *net.UDPConn) error {
	rb, err := udpbatch.New(conn, s.cfg.Batch)
	if err != nil {
		return fmt.Errorf("radius: %w", err)
	}
	in := make([]udpbatch.Message, s.cfg.Batch)
	for i := range in {
		in[i].Buf = make([]byte, layeh.MaxPacketLength+1)
	}
	outs := make([]outcome, s.cfg.Batch)
	b := &sendBatch{msgs: make([]udpbatch.Message, 0, s.cfg.Batch)}
	for {
		n, err := rb.Read(in)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() && !s.closed.Load() {
				continue
			}
			return fmt.Errorf("radius: read: %w", err)
		}
		s.handleBatch(in[:n], outs[:n])
		for i := range outs[:n] {
			outs[i].to = in[i].Addr
		}
		s.send(rb, b, outs[:n])
	}
}

// outcome is what handling one datagram produced.
type outcome struct {
	reply []byte         // nil: send nothing
	to    netip.AddrPort // where the request came from
	fresh bool           // a new reply, not a resent duplicate
	start time.Time      // when it arrived
}

// handleBatch handles a batch of datagrams. Accounting requests wait for
// their group commit, and proxied requests for their home servers, so a
// BatchHandler gets them side by side; the others are handled in turn.
func (s *Server) handleBatch(in []udpbatch.Message, outs []outcome) {
	if _, ok := s.cfg.Handler.(AsyncBatchHandler); ok {
		s.handleTogether(in, outs)
		return
	}
	if _, ok := s.cfg.Handler.(BatchHandler); ok && len(in) > 1 {
		s.handleTogether(in, outs)
		return
	}
	if s.cfg.Port != AcctPort || len(in) == 1 {
		for i := range in {
			outs[i] = s.handleMsg(&in[i])
		}
		return
	}
	var wg sync.WaitGroup
	for i := 1; i < len(in); i++ {
		wg.Add(1)
		go func() { defer wg.Done(); outs[i] = s.handleMsg(&in[i]) }()
	}
	outs[0] = s.handleMsg(&in[0])
	wg.Wait()
}

// handleTogether checks every datagram of a batch, passes the requests
// that need the handler to it in one call, and completes each (an
// AsyncBatchHandler's later, through the reply queue).
func (s *Server) handleTogether(in []udpbatch.Message, outs []outcome) {
	preps := make([]*prepared, 0, len(in))
	reqs := make([]*Request, 0, len(in))
	for i := range in {
		src, ok := msgSource(&in[i])
		if !ok {
			s.met.drop(DropMalformed)
			outs[i] = outcome{}
			continue
		}
		o, p := s.prepare(in[i].Buf[:in[i].N], src)
		outs[i] = o
		switch {
		case p == nil:
		case p.req.Code == layeh.CodeStatusServer:
			outs[i] = s.complete(p, s.statusResponse(), nil)
		default:
			p.out = i
			preps, reqs = append(preps, p), append(reqs, p.req)
		}
	}
	if len(reqs) == 0 {
		return
	}
	if ah, ok := s.cfg.Handler.(AsyncBatchHandler); ok {
		ah.StartRADIUSBatch(s.ctx, reqs, func(k int, resp Response, err error, after *SendHold) {
			s.later.add(s.complete(preps[k], resp, err), preps[k].req.Src, after)
		})
		return
	}
	resps, errs := s.cfg.Handler.(BatchHandler).ServeRADIUSBatch(s.ctx, reqs)
	for k, p := range preps {
		outs[p.out] = s.complete(p, resps[k], errs[k])
	}
}

func msgSource(m *udpbatch.Message) (netip.AddrPort, bool) {
	if !m.Addr.IsValid() {
		return netip.AddrPort{}, false
	}
	return netip.AddrPortFrom(m.Addr.Addr().Unmap(), m.Addr.Port()), true
}

func (s *Server) handleMsg(m *udpbatch.Message) outcome {
	src, ok := msgSource(m)
	if !ok {
		s.met.drop(DropMalformed)
		return outcome{}
	}
	return s.handle(m.Buf[:m.N], src)
}

// sendBatch is a reusable sendmmsg vector.
type sendBatch struct {
	msgs []udpbatch.Message
	sent []int // index into the batch of each message
}

// send writes the batch's replies in as few system calls as it can and
// counts them; a reply that cannot be sent is counted as a drop (the NAS
// will retry and get it from the reply cache).
func (s *Server) send(w *udpbatch.Batch, b *sendBatch, outs []outcome) {
	b.msgs, b.sent = b.msgs[:0], b.sent[:0]
	for i, o := range outs {
		if o.reply != nil {
			b.msgs = append(b.msgs, udpbatch.Message{Buf: o.reply, Addr: o.to})
			b.sent = append(b.sent, i)
		}
	}
	for done := 0; done < len(b.msgs); {
		n, err := w.Write(b.msgs[done:])
		for _, i := range b.sent[done : done+n] {
			if o := outs[i]; o.fresh {
				s.met.reply(layeh.Code(o.reply[0]))
				s.met.latency.Observe(time.Since(o.start).Seconds())
			}
		}
		done += n
		if err != nil {
			s.met.drop(DropWriteError)
			done++
		}
	}
	clear(b.msgs)
}

// Shutdown stops reading and waits for requests being handled, until ctx
// ends.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closed.Store(true)
	if s.conn != nil {
		s.conn.Close()
	}
	s.mu.Unlock()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		s.cancel()
		return nil
	case <-ctx.Done():
		s.cancel()
		return ctx.Err()
	}
}

// prepared is a checked request that is not a duplicate: it needs an
// answer, then complete.
type prepared struct {
	req   *Request
	key   dupKey
	start time.Time
	out   int // its place in a batch
}

// handle runs one datagram from arrival to the reply to send.
func (s *Server) handle(b []byte, src netip.AddrPort) outcome {
	o, p := s.prepare(b, src)
	if p == nil {
		return o
	}
	resp, err := s.respond(p.req)
	return s.complete(p, resp, err)
}

// prepare checks a datagram: source, framing, authenticators, duplicates.
// A nil *prepared means the outcome is final (a drop or a resent reply).
func (s *Server) prepare(b []byte, src netip.AddrPort) (outcome, *prepared) {
	start := time.Now()
	nas, secret, ok := s.cfg.NAS.NASForAddr(src.Addr())
	if !ok {
		s.met.drop(DropUnknownNAS)
		s.cfg.Drops.unknownDrop(src.Addr(), start)
		s.logUnknown(b, src, start)
		return outcome{}, nil
	}
	return s.prepareFor(b, src, nas, secret, start)
}

// prepareFor checks a packet from a known NAS: framing, authenticators,
// duplicates.
func (s *Server) prepareFor(b []byte, src netip.AddrPort, nas hotspots.NAS, secret string, start time.Time) (outcome, *prepared) {
	if len(b) < headerLen {
		s.nasDrop(nas, src, DropMalformed, start)
		return outcome{}, nil
	}
	code := layeh.Code(b[0])
	if !s.serves(code) {
		s.nasDrop(nas, src, DropBadCode, start)
		return outcome{}, nil
	}
	key := dupKey{src: src, id: b[1]}
	copy(key.auth[:], b[4:20])
	req, reason := s.verify(b, []byte(secret), nas, src)
	if reason != "" {
		s.nasDrop(nas, src, reason, start)
		return outcome{}, nil
	}
	cached, inFlight := s.dup.begin(key, start)
	switch {
	case inFlight:
		s.met.drop(DropInFlight)
		return outcome{}, nil
	case cached != nil:
		s.met.dups.Inc()
		return outcome{reply: cached}, nil
	}
	s.met.request(code)
	return outcome{}, &prepared{req: req, key: key, start: start}
}

// complete encodes the answer to a prepared request and caches it.
func (s *Server) complete(p *prepared, resp Response, err error) outcome {
	var reply []byte
	if err == nil {
		reply, err = s.encode(p.req, resp)
	}
	if err != nil {
		s.dup.finish(p.key, nil, p.start)
		s.met.drop(DropHandlerError)
		s.cfg.Drops.nasDrop(p.req.NAS.ID, DropHandlerError, time.Now())
		s.log.Warn("request not answered", "nas", p.req.NAS.Name, "code", p.req.Code.String(), "err", err)
		return outcome{}
	}
	if reply == nil {
		s.dup.finish(p.key, nil, p.start)
		return outcome{}
	}
	s.dup.finish(p.key, reply, time.Now())
	return outcome{reply: reply, fresh: true, start: p.start}
}

func (s *Server) serves(c layeh.Code) bool {
	switch c {
	case layeh.CodeStatusServer:
		return true
	case layeh.CodeAccessRequest:
		return s.cfg.Port == AuthPort
	case layeh.CodeAccountingRequest:
		return s.cfg.Port == AcctPort
	}
	return false
}

// verify parses b and applies the authenticator and Message-Authenticator
// rules; it returns a drop reason when the packet must be dropped.
func (s *Server) verify(b, secret []byte, nas hotspots.NAS, src netip.AddrPort) (*Request, string) {
	p, err := parse(b, secret)
	if err != nil {
		return nil, DropMalformed
	}
	b = b[:binary.BigEndian.Uint16(b[2:4])] // parse checked the length
	hasMA, err := s.macs.checkRequestMA(b, secret)
	if err != nil {
		return nil, DropBadMA
	}
	switch p.Code {
	case layeh.CodeStatusServer:
		if !hasMA { // RFC 5997 §3
			return nil, DropMissingMA
		}
	case layeh.CodeAccessRequest:
		if !s.maPolicyOK(nas, hasMA) {
			return nil, DropMissingMA
		}
	case layeh.CodeAccountingRequest:
		if !layeh.IsAuthenticRequest(b, secret) {
			return nil, DropBadAuth
		}
	}
	return &Request{Packet: p, NAS: nas, Src: src, HasMA: hasMA}, ""
}

// maPolicyOK applies the NAS's require_message_authenticator setting, as
// FreeRADIUS 3.2.5+ does: require always needs it; auto needs it once the
// NAS has sent one; off does not need it (but checks it when present).
func (s *Server) maPolicyOK(nas hotspots.NAS, hasMA bool) bool {
	switch nas.RequireMA {
	case hotspots.MAOff:
		return true
	case hotspots.MAAuto:
		if hasMA {
			if _, seen := s.sawMA.Load(nas.ID); !seen {
				s.sawMA.Store(nas.ID, true)
				s.log.Info("NAS sends Message-Authenticator; requiring it from now on", "nas", nas.Name)
			}
			return true
		}
		_, seen := s.sawMA.Load(nas.ID)
		return !seen
	default:
		return hasMA
	}
}

// answer runs the handler (or answers Status-Server) and encodes the reply.
func (s *Server) answer(req *Request) ([]byte, error) {
	resp, err := s.respond(req)
	if err != nil {
		return nil, err
	}
	return s.encode(req, resp)
}

// respond answers Status-Server itself and runs the handler for the rest.
func (s *Server) respond(req *Request) (Response, error) {
	if req.Code == layeh.CodeStatusServer {
		return s.statusResponse(), nil
	}
	return s.cfg.Handler.ServeRADIUS(s.ctx, req)
}

func (s *Server) statusResponse() Response {
	if s.cfg.Port == AcctPort {
		return Response{Code: layeh.CodeAccountingResponse}
	}
	return Response{Code: layeh.CodeAccessAccept}
}

// encode encodes resp as the reply to req; a zero Code encodes nothing.
func (s *Server) encode(req *Request, resp Response) ([]byte, error) {
	if resp.Code == 0 {
		return nil, nil
	}
	// Proxy-State is copied to the reply unchanged (RFC 2865 §5.33).
	for _, a := range req.Attributes {
		if a.Type == 33 {
			resp.Attributes = append(resp.Attributes, a)
		}
	}
	withMA := req.Code == layeh.CodeAccessRequest || req.Code == layeh.CodeStatusServer
	return s.macs.encodeReply(resp.Code, req.Identifier, req.Authenticator, req.Secret, resp.Attributes, withMA)
}

// dropAdvice says what an operator can do about a known NAS's drops.
var dropAdvice = map[string]string{
	DropBadAuth:      "the NAS's shared secret differs from the one registered (wifihk nas update -secret)",
	DropBadMA:        "Message-Authenticator does not verify: most often a wrong shared secret",
	DropMissingMA:    "the NAS sends no Message-Authenticator and its policy requires one (BlastRADIUS); turn it on at the NAS",
	DropMalformed:    "the packet is not valid RADIUS",
	DropBadCode:      "a code this port does not serve: check the NAS's authentication and accounting ports",
	DropHandlerError: "wifihk could not answer (see the error logged with it); the NAS will retry",
}

// nasDrop counts and logs a packet dropped from a registered NAS.
func (s *Server) nasDrop(nas hotspots.NAS, src netip.AddrPort, reason string, now time.Time) {
	s.met.drop(reason)
	s.cfg.Drops.nasDrop(nas.ID, reason, now)
	s.logDrop(nas, src, reason, now)
}

// logDrop logs a dropped packet from a registered NAS with its reason, at
// most once per UnknownLogEvery for each NAS and reason, so that a
// mistyped secret shows in the log and not only in the metrics.
func (s *Server) logDrop(nas hotspots.NAS, src netip.AddrPort, reason string, now time.Time) {
	key := nas.Name + "\x00" + reason
	v, ok := s.dropLog.Load(key)
	if !ok { // no allocation per packet in a flood of drops
		v, _ = s.dropLog.LoadOrStore(key, new(atomic.Int64))
	}
	last := v.(*atomic.Int64)
	prev := last.Load()
	if prev != 0 && now.UnixNano()-prev < int64(s.cfg.UnknownLogEvery) || !last.CompareAndSwap(prev, now.UnixNano()) {
		return
	}
	s.log.Warn("dropping RADIUS packets from a registered NAS (logged at most once per interval for each NAS and reason)",
		"nas", nas.Name, "src", src.Addr().String(), "reason", reason, "advice", dropAdvice[reason], "every", s.cfg.UnknownLogEvery)
}

func (s *Server) logUnknown(b []byte, src netip.AddrPort, now time.Time) {
	last := s.lastLog.Load()
	if now.UnixNano()-last < int64(s.cfg.UnknownLogEvery) || !s.lastLog.CompareAndSwap(last, now.UnixNano()) {
		return
	}
	attrs := []any{"src", src.Addr().String(), "every", s.cfg.UnknownLogEvery}
	if hint := s.unknownHint(b); hint != "" {
		attrs = append(attrs, "hint", hint)
	}
	s.log.Warn("dropping RADIUS packets from an unknown source (logged at most once per interval; see wifihk_radius_drops_total)", attrs...)
}

// replyBatch is the most replies the queue sends in one call.
const replyBatch = 64

// replyQueue sends the replies an AsyncBatchHandler completes, gathered:
// those completed in one batch of home server answers leave in one
// sendmmsg when that batch's hold flushes.
type replyQueue struct {
	s *Server
	w *udpbatch.Batch
	q flushQueue[outcome]
	b sendBatch // the flusher's
}

// add queues o's reply to to. Unless a flush is already due, it sends
// the queue at after's Flush, or now without one.
func (q *replyQueue) add(o outcome, to netip.AddrPort, after *SendHold) {
	if o.reply == nil {
		return
	}
	o.to = to
	switch {
	case !q.q.push(o):
	case after != nil:
		after.Later(q.drain)
	default:
		q.drain()
	}
}

// drain sends the queue until it is empty.
func (q *replyQueue) drain() {
	q.q.drain(func(batch []outcome) { q.s.send(q.w, &q.b, batch) })
}
