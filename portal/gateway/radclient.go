package gateway

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"time"

	"layeh.com/radius"
	"layeh.com/radius/rfc2869"
)

// radClient sends RADIUS requests over one UDP socket, as chilli does,
// telling the answers apart by Identifier: at most 256 requests are
// outstanding at once. (layeh's Client opens a socket per request, which
// costs a load run several system calls a login.)
type radClient struct {
	conn   *net.UDPConn
	secret []byte
	retry  time.Duration
	free   chan byte // identifiers not in use

	mu      sync.Mutex
	waiting [256]*radCall
}

type radCall struct {
	req   []byte // the request on the wire, to check the answer's authenticator
	reply chan *radius.Packet
}

func newRADClient(source net.IP, secret string) (*radClient, error) {
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: source})
	if err != nil {
		return nil, fmt.Errorf("gateway: %w", err)
	}
	c := &radClient{conn: conn, secret: []byte(secret), retry: time.Second, free: make(chan byte, 256)}
	for i := range 256 {
		c.free <- byte(i)
	}
	go c.readLoop()
	return c, nil
}

func (c *radClient) close() error { return c.conn.Close() }

// exchange sends p to addr and waits for its authentic answer, sending it
// again every retry until ctx ends.
func (c *radClient) exchange(ctx context.Context, p *radius.Packet, addr string) (*radius.Packet, error) {
	to, err := udpAddr(addr)
	if err != nil {
		return nil, err
	}
	var id byte
	select {
	case id = <-c.free:
	case <-ctx.Done():
		return nil, fmt.Errorf("gateway: no free RADIUS identifier: %w", ctx.Err())
	}
	defer func() { c.free <- id }()
	p.Identifier = id
	if rfc2869.MessageAuthenticator_Get(p) != nil {
		if err := addMessageAuthenticator(p); err != nil { // it covers the Identifier
			return nil, err
		}
	}
	wire, err := p.Encode()
	if err != nil {
		return nil, fmt.Errorf("gateway: %w", err)
	}
	call := &radCall{req: wire, reply: make(chan *radius.Packet, 1)}
	c.mu.Lock()
	c.waiting[id] = call
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.waiting[id] = nil
		c.mu.Unlock()
	}()
	t := time.NewTicker(c.retry)
	defer t.Stop()
	for {
		if _, err := c.conn.WriteToUDP(wire, to); err != nil {
			return nil, fmt.Errorf("gateway: %w", err)
		}
		select {
		case res := <-call.reply:
			return res, nil
		case <-t.C:
		case <-ctx.Done():
			return nil, fmt.Errorf("gateway: RADIUS: %w", ctx.Err())
		}
	}
}

// udpAddr parses host:port without the resolver when it is an address
// already (the resolver costs a load run a few system calls a login).
func udpAddr(addr string) (*net.UDPAddr, error) {
	if ap, err := netip.ParseAddrPort(addr); err == nil {
		return net.UDPAddrFromAddrPort(ap), nil
	}
	to, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		return nil, fmt.Errorf("gateway: %w", err)
	}
	return to, nil
}

// readLoop hands each authentic answer to the request waiting for it and
// drops the rest.
func (c *radClient) readLoop() {
	buf := make([]byte, 4096)
	for {
		n, _, err := c.conn.ReadFromUDP(buf)
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil || n < 20 {
			continue
		}
		c.mu.Lock()
		call := c.waiting[buf[1]]
		c.mu.Unlock()
		if call == nil || !radius.IsAuthenticResponse(buf[:n], call.req, c.secret) {
			continue
		}
		res, err := radius.Parse(append([]byte(nil), buf[:n]...), c.secret)
		if err != nil {
			continue
		}
		select {
		case call.reply <- res:
		default: // a duplicate answer
		}
	}
}
