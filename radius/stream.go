package radius

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"time"

	layeh "layeh.com/radius"

	"github.com/wifihk/wifihk/hotspots"
)

// Answer handles one request that arrived over a stream transport (RadSec)
// from a NAS identified by other means than its address: its certificate.
// It goes through the same checks, duplicate detection, metrics and
// handler as a datagram on this port and returns the reply to send, or nil
// for none. src is the connection's remote address, for duplicate
// detection.
func (s *Server) Answer(b []byte, src netip.AddrPort, nas hotspots.NAS, secret string) []byte {
	o, p := s.prepareFor(b, src, nas, secret, time.Now())
	if p != nil {
		resp, err := s.respond(p.req)
		o = s.complete(p, resp, err)
	}
	if o.fresh {
		s.met.reply(layeh.Code(o.reply[0]))
		s.met.latency.Observe(time.Since(o.start).Seconds())
	}
	return o.reply
}

// Serves reports whether this port answers requests with code c.
func (s *Server) Serves(c layeh.Code) bool { return s.serves(c) }

// EncodeRequest encodes a request with a Message-Authenticator (RFC 3579,
// RFC 5997), for clients: Access-Request, Accounting-Request,
// Status-Server, Disconnect- and CoA-Request.
func EncodeRequest(p *layeh.Packet) ([]byte, error) { return encodeRequest(p) }

// CheckReply verifies reply b against the request req it answers (wire
// bytes, with secret): identifier, Response Authenticator and any
// Message-Authenticator, then decodes it.
func CheckReply(b, req, secret []byte) (*layeh.Packet, error) {
	p, err := parse(b, secret)
	if err != nil {
		return nil, err
	}
	b = b[:binary.BigEndian.Uint16(b[2:4])] // parse checked the length
	if len(req) < headerLen || b[1] != req[1] {
		return nil, fmt.Errorf("%w: reply identifier does not match the request", ErrMalformed)
	}
	if !authenticResponse(b, req[4:headerLen], secret) {
		return nil, fmt.Errorf("radius: Response Authenticator does not verify")
	}
	if _, err := checkReplyMA(b, req[4:20], secret); err != nil {
		return nil, err
	}
	return p, nil
}
