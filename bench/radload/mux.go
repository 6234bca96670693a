package radload

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"golang.org/x/net/ipv4"
	layeh "layeh.com/radius"
)

// muxSocket is one socket shared by up to 255 clients: client i uses
// Identifier i, so a reply finds its client by its Identifier.
type muxSocket struct {
	cfg     Config
	conn    *net.UDPConn
	pc      *ipv4.PacketConn
	clients []*worker
	req     [][]byte    // each client's outstanding request
	t0      []time.Time // and when it was sent
	out     []ipv4.Message
}

// runMux runs the clients over cfg.Sockets sockets.
func runMux(ctx context.Context, cfg Config) (Result, error) {
	ua, err := net.ResolveUDPAddr("udp", cfg.Server)
	if err != nil {
		return Result{}, fmt.Errorf("radload: server: %w", err)
	}
	var socks []*muxSocket
	var all []*worker
	defer func() {
		for _, m := range socks {
			m.conn.Close()
		}
	}()
	for i := 0; i < cfg.Concurrency; i++ {
		if i%cfg.Sockets == len(socks) && len(socks) < cfg.Sockets {
			conn, err := net.DialUDP("udp", nil, ua)
			if err != nil {
				return Result{}, fmt.Errorf("radload: %w", err)
			}
			socks = append(socks, &muxSocket{cfg: cfg, conn: conn, pc: ipv4.NewPacketConn(conn)})
		}
		m := socks[i%cfg.Sockets]
		w := &worker{cfg: cfg, n: i, id: len(m.clients), sessionID: fmt.Sprintf("load-%x-%d", time.Now().UnixNano(), i)}
		m.clients = append(m.clients, w)
		all = append(all, w)
	}
	start := time.Now()
	end := start.Add(cfg.Duration)
	var wg sync.WaitGroup
	errs := make(chan error, len(socks))
	for _, m := range socks {
		wg.Add(1)
		go func() { defer wg.Done(); errs <- m.run(ctx, end) }()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return Result{}, err
		}
	}
	return summarise(cfg, all, time.Since(start)), nil
}

// run sends each client's first request, then answers every batch of
// replies with the clients' next requests in one batch, until end.
func (m *muxSocket) run(ctx context.Context, end time.Time) error {
	n := len(m.clients)
	m.req, m.t0 = make([][]byte, n), make([]time.Time, n)
	in := make([]ipv4.Message, n)
	for i := range in {
		in[i].Buffers = [][]byte{make([]byte, 4096)}
	}
	for i := range m.clients {
		if err := m.next(i); err != nil {
			return err
		}
	}
	if err := m.flush(); err != nil {
		return err
	}
	for ctx.Err() == nil {
		now := time.Now()
		if !now.Before(end) {
			return nil
		}
		deadline := now.Add(50 * time.Millisecond)
		if deadline.After(end) {
			deadline = end
		}
		m.conn.SetReadDeadline(deadline)
		got, err := m.pc.ReadBatch(in, 0)
		var ne net.Error
		if err != nil {
			if !errors.As(err, &ne) || !ne.Timeout() {
				return fmt.Errorf("radload: read: %w", err)
			}
			got = 0 // a read timeout says nothing about the batch
		}
		for _, msg := range in[:got] {
			if err := m.reply(msg.Buffers[0][:msg.N]); err != nil {
				return err
			}
		}
		if err := m.expire(end); err != nil {
			return err
		}
		if err := m.flush(); err != nil {
			return err
		}
	}
	return nil
}

// reply matches b to its client, counts it and queues the client's next
// request; junk and late replies are skipped.
func (m *muxSocket) reply(b []byte) error {
	if len(b) < 20 || int(b[1]) >= len(m.clients) {
		return nil
	}
	i := int(b[1])
	req := m.req[i]
	if req == nil || !layeh.IsAuthenticResponse(b, req, []byte(m.cfg.Secret)) {
		return nil
	}
	w := m.clients[i]
	if time.Since(m.t0[i]) < w.cfg.Timeout {
		w.answered(b, m.t0[i])
	} else {
		w.sent++
		w.timeouts++
	}
	return m.next(i)
}

// expire counts requests older than the timeout and sends new ones.
func (m *muxSocket) expire(end time.Time) error {
	now := time.Now()
	for i, w := range m.clients {
		if m.req[i] != nil && now.Sub(m.t0[i]) >= w.cfg.Timeout && now.Before(end) {
			w.sent++
			w.timeouts++
			if err := m.next(i); err != nil {
				return err
			}
		}
	}
	return nil
}

// next builds client i's next request and queues it.
func (m *muxSocket) next(i int) error {
	req, err := m.clients[i].request()
	if err != nil {
		return err
	}
	m.req[i], m.t0[i] = req, time.Now()
	m.out = append(m.out, ipv4.Message{Buffers: [][]byte{req}})
	return nil
}

// flush sends the queued requests.
func (m *muxSocket) flush() error {
	for done := 0; done < len(m.out); {
		n, err := m.pc.WriteBatch(m.out[done:], 0)
		if err != nil {
			return fmt.Errorf("radload: write: %w", err)
		}
		done += n
	}
	m.out = m.out[:0]
	return nil
}
