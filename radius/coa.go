package radius

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"

	layeh "layeh.com/radius"
	"layeh.com/radius/rfc2865"
	"layeh.com/radius/rfc2866"
	"layeh.com/radius/rfc2869"
	"layeh.com/radius/rfc3576"

	"github.com/wifihk/wifihk/hotspots"
)

// DisconnectTarget names the session a Disconnect- or CoA-Request is about
// (RFC 5176 §3): the NAS identifies it by these attributes.
type DisconnectTarget struct {
	Username  string
	AcctID    string
	MAC       string // Calling-Station-Id
	FramedIP  string
	NASAddr   netip.AddrPort // the NAS's CoA address and port
	NASSecret string
	NASID     string // the NAS's registry ID: its RadSec connection, if open, is used first
}

// DisconnectResult is the NAS's answer.
type DisconnectResult struct {
	To         netip.AddrPort // where the request went
	ACK        bool
	Code       string // Disconnect-ACK or Disconnect-NAK
	ErrorCause string // from a NAK, when given
	RTT        time.Duration
	RadSec     bool // sent over the NAS's RadSec connection (To is its source)
}

// CoAStream sends a request to a NAS over one of its open RadSec
// connections (RFC 6614 §2.5: either end may send requests on it),
// those from prefer first (where the session's requests came from):
// build makes the request with the Identifier the connection has free.
// It returns ErrNoStream when the NAS has no connection open;
// *radsec.Server implements it.
type CoAStream interface {
	ExchangeNAS(ctx context.Context, nasID string, prefer netip.Addr, build func(id byte) ([]byte, error)) ([]byte, netip.AddrPort, error)
}

// CoAClient sends Disconnect- and CoA-Requests (RFC 5176) with a
// Message-Authenticator and checks the answers.
type CoAClient struct {
	// Timeout per try (default 2s) and Tries (default 3).
	Timeout time.Duration
	Tries   int
	Metrics *Metrics // optional
	// Stream, when set, carries requests to a NAS with an open RadSec
	// connection over it (secret "radsec"); other NAS get UDP.
	Stream CoAStream
}

// Disconnect asks the NAS to end a session and returns its answer.
func (c *CoAClient) Disconnect(ctx context.Context, t DisconnectTarget) (DisconnectResult, error) {
	return c.send(ctx, layeh.CodeDisconnectRequest, t, nil)
}

// CoA asks the NAS to change a session's authorisation (RFC 5176 §3.2),
// for example a new Session-Timeout or bandwidth, given as attrs.
func (c *CoAClient) CoA(ctx context.Context, t DisconnectTarget, attrs layeh.Attributes) (DisconnectResult, error) {
	return c.send(ctx, layeh.CodeCoARequest, t, attrs)
}

func (c *CoAClient) send(ctx context.Context, code layeh.Code, t DisconnectTarget, attrs layeh.Attributes) (DisconnectResult, error) {
	if !t.NASAddr.IsValid() || t.NASSecret == "" {
		return DisconnectResult{}, errors.New("radius: disconnect/CoA: NAS address and secret are required")
	}
	p := layeh.New(code, []byte(t.NASSecret))
	if t.Username != "" {
		rfc2865.UserName_SetString(p, t.Username)
	}
	if t.AcctID != "" {
		rfc2866.AcctSessionID_SetString(p, t.AcctID)
	}
	if t.MAC != "" {
		rfc2865.CallingStationID_SetString(p, t.MAC)
	}
	if ip := net.ParseIP(t.FramedIP); ip != nil {
		rfc2865.FramedIPAddress_Set(p, ip)
	}
	rfc2869.EventTimestamp_Set(p, time.Now())
	p.Attributes = append(p.Attributes, attrs...)
	res, err := c.overStream(ctx, p, t)
	if errors.Is(err, ErrNoStream) {
		res, err = c.exchange(ctx, p, t.NASAddr)
		res.To = t.NASAddr
	}
	if c.Metrics != nil {
		label := "error"
		if err == nil {
			label = res.Code
		}
		c.Metrics.disconnect.WithLabelValues(code.String(), label).Inc()
	}
	return res, err
}

// overStream sends p over the NAS's RadSec connection, signed with
// RadSec's secret (RFC 6614 §2.3); ErrNoStream when there is none.
func (c *CoAClient) overStream(ctx context.Context, p *layeh.Packet, t DisconnectTarget) (DisconnectResult, error) {
	if c.Stream == nil || t.NASID == "" {
		return DisconnectResult{}, ErrNoStream
	}
	sp := *p
	sp.Secret = []byte(hotspots.RadSecSecret)
	var wire []byte
	ctx, cancel := context.WithTimeout(ctx, c.timeout()*time.Duration(c.tries()))
	defer cancel()
	start := time.Now()
	b, from, err := c.Stream.ExchangeNAS(ctx, t.NASID, t.NASAddr.Addr(), func(id byte) ([]byte, error) {
		sp.Identifier = id
		w, err := encodeRequest(&sp)
		wire = w
		return w, err
	})
	if errors.Is(err, context.DeadlineExceeded) {
		err = fmt.Errorf("%w over RadSec from %s", ErrNoReply, from)
	}
	if err != nil {
		return DisconnectResult{To: from, RadSec: true}, err
	}
	res, ok := checkCoAReply(b, wire, sp.Secret)
	if !ok {
		return DisconnectResult{To: from, RadSec: true}, fmt.Errorf("radius: %s: the NAS's answer over RadSec is not an authentic ACK or NAK", p.Code)
	}
	res.To, res.RadSec, res.RTT = from, true, time.Since(start)
	return res, nil
}

func (c *CoAClient) timeout() time.Duration {
	if c.Timeout <= 0 {
		return 2 * time.Second
	}
	return c.Timeout
}

func (c *CoAClient) tries() int {
	if c.Tries <= 0 {
		return 3
	}
	return c.Tries
}

func (c *CoAClient) exchange(ctx context.Context, p *layeh.Packet, addr netip.AddrPort) (DisconnectResult, error) {
	wire, err := encodeRequest(p)
	if err != nil {
		return DisconnectResult{}, err
	}
	conn, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(addr))
	if err != nil {
		return DisconnectResult{}, fmt.Errorf("radius: %s: %w", p.Code, err)
	}
	defer conn.Close()
	timeout, tries := c.timeout(), c.tries()
	start := time.Now()
	buf := make([]byte, layeh.MaxPacketLength)
	for try := 0; try < tries; try++ {
		if _, err := conn.Write(wire); err != nil {
			return DisconnectResult{}, fmt.Errorf("radius: disconnect: %w", err)
		}
		deadline := time.Now().Add(timeout)
		if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
			deadline = d
		}
		conn.SetReadDeadline(deadline)
		for {
			n, err := conn.Read(buf)
			if err != nil {
				break // timeout: try again
			}
			if res, ok := checkCoAReply(buf[:n], wire, p.Secret); ok {
				res.RTT = time.Since(start)
				return res, nil
			}
		}
		if ctx.Err() != nil {
			return DisconnectResult{}, ctx.Err()
		}
	}
	return DisconnectResult{}, fmt.Errorf("%w at %s after %d tries", ErrNoReply, addr, tries)
}

// checkCoAReply accepts only an authentic ACK or NAK to request req.
func checkCoAReply(b, req, secret []byte) (DisconnectResult, bool) {
	reply, err := parse(b, secret)
	if err != nil || reply.Identifier != req[1] {
		return DisconnectResult{}, false
	}
	b = b[:binary.BigEndian.Uint16(b[2:4])]
	if !authenticResponse(b, req[4:headerLen], secret) {
		return DisconnectResult{}, false
	}
	if _, err := checkReplyMA(b, req[4:20], secret); err != nil {
		return DisconnectResult{}, false
	}
	res := DisconnectResult{Code: reply.Code.String()}
	switch reply.Code {
	case layeh.CodeDisconnectACK, layeh.CodeCoAACK:
		res.ACK = true
	case layeh.CodeDisconnectNAK, layeh.CodeCoANAK:
		if ec, err := rfc3576.ErrorCause_Lookup(reply); err == nil {
			res.ErrorCause = ec.String()
		}
	default:
		return DisconnectResult{}, false
	}
	return res, true
}
