package cluster

import (
	"context"
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"net"
	"sync"
	"time"

	"layeh.com/radius"
	"layeh.com/radius/rfc2865"
	"layeh.com/radius/rfc2866"
	"layeh.com/radius/rfc2869"
)

// gateway plays a NAS with two RADIUS servers, as CoovaChilli's
// radiusserver1 and radiusserver2: it sends to the server that answered
// last and, when one does not answer within timeout, to the other, over
// and over until one answers.
type gateway struct {
	servers [2]*node
	timeout time.Duration
	mu      sync.Mutex
	cur     int // the server that answered last
}

// exchange is one request as the NAS sees it: when it was sent first,
// when it was answered, and how many sends timed out.
type exchange struct {
	start, end time.Time
	timeouts   int
	answered   bool
	by         string // the node that answered
}

// send sends p to the auth (or, for accounting, acct) port of the
// gateway's servers until one answers or ctx ends.
func (g *gateway) send(ctx context.Context, p *radius.Packet) (*radius.Packet, exchange) {
	if p.Code == radius.CodeAccessRequest {
		signMA(p)
	}
	x := exchange{start: time.Now()}
	c := radius.Client{Retry: 0, MaxPacketErrors: 1}
	for ctx.Err() == nil {
		g.mu.Lock()
		i := g.cur
		g.mu.Unlock()
		srv := g.servers[i]
		addr := srv.auth
		if p.Code == radius.CodeAccountingRequest {
			addr = srv.acct
		}
		tctx, cancel := context.WithTimeout(ctx, g.timeout)
		res, err := c.Exchange(tctx, p, addr)
		cancel()
		if err == nil {
			x.end, x.answered, x.by = time.Now(), true, srv.name
			return res, x
		}
		if ctx.Err() == nil {
			x.timeouts++
		}
		g.mu.Lock()
		if g.cur == i {
			g.cur = 1 - i
		}
		g.mu.Unlock()
	}
	x.end = time.Now()
	return nil, x
}

// signMA adds a Message-Authenticator (RFC 3579 §3.2), which wifihk
// requires on an Access-Request.
func signMA(p *radius.Packet) {
	rfc2869.MessageAuthenticator_Set(p, make([]byte, 16))
	raw, err := p.MarshalBinary()
	if err != nil {
		panic(err)
	}
	h := hmac.New(md5.New, []byte(nasSecret))
	h.Write(raw)
	rfc2869.MessageAuthenticator_Set(p, h.Sum(nil))
}

func accessRequest(user, mac string) *radius.Packet {
	p := radius.New(radius.CodeAccessRequest, []byte(nasSecret))
	rfc2865.UserName_SetString(p, user)
	rfc2865.CallingStationID_SetString(p, mac)
	rfc2865.NASIdentifier_SetString(p, "soak")
	rfc2865.NASIPAddress_Set(p, net.IPv4(127, 0, 0, 1))
	return p
}

// pap is an Access-Request with User-Password.
func pap(user, pass, mac string) *radius.Packet {
	p := accessRequest(user, mac)
	rfc2865.UserPassword_SetString(p, pass)
	return p
}

// chap is an Access-Request with CHAP-Password (RFC 2865 §2.2).
func chap(user, pass, mac string) *radius.Packet {
	p := accessRequest(user, mac)
	challenge := make([]byte, 16)
	rand.Read(challenge)
	h := md5.New()
	h.Write([]byte{7})
	h.Write([]byte(pass))
	h.Write(challenge)
	rfc2865.CHAPPassword_Set(p, append([]byte{7}, h.Sum(nil)...))
	rfc2865.CHAPChallenge_Set(p, challenge)
	return p
}

// octetsPerPacket is how many input octets each accounting packet of a
// session adds, so that a stored count says how many packets arrived.
const octetsPerPacket = 1000

// accountingRequest is packet i of session id (Start at 0): its octets
// stand for i packets.
func accountingRequest(status rfc2866.AcctStatusType, id, user, mac string, i uint64) *radius.Packet {
	p := radius.New(radius.CodeAccountingRequest, []byte(nasSecret))
	rfc2866.AcctStatusType_Set(p, status)
	rfc2866.AcctSessionID_SetString(p, id)
	rfc2865.UserName_SetString(p, user)
	rfc2865.CallingStationID_SetString(p, mac)
	rfc2865.NASIdentifier_SetString(p, "soak")
	o := i * octetsPerPacket
	rfc2866.AcctInputOctets_Set(p, rfc2866.AcctInputOctets(o&0xffffffff))
	rfc2869.AcctInputGigawords_Set(p, rfc2869.AcctInputGigawords(o>>32))
	if status == rfc2866.AcctStatusType_Value_Stop {
		rfc2866.AcctTerminateCause_Set(p, rfc2866.AcctTerminateCause_Value_UserRequest)
	}
	return p
}
