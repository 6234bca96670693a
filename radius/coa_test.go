package radius

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"testing"
	"time"

	layeh "layeh.com/radius"
	"layeh.com/radius/rfc2865"
	"layeh.com/radius/rfc2866"
	"layeh.com/radius/rfc3576"
)

// testNAS is a NAS's CoA listener: it checks each Disconnect-Request's
// authenticator and Message-Authenticator, ignores the first copy of each
// (to exercise retries) and answers ACK for session "live", NAK otherwise.
func testNAS(t *testing.T, secret string) netip.AddrPort {
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	go func() {
		buf := make([]byte, 4096)
		seen := map[[16]byte]bool{}
		for {
			n, from, err := conn.ReadFromUDPAddrPort(buf)
			if err != nil {
				return
			}
			b := buf[:n]
			if !layeh.IsAuthenticRequest(b, []byte(secret)) {
				continue
			}
			if present, err := checkRequestMA(b, []byte(secret)); !present || err != nil {
				continue
			}
			var auth [16]byte
			copy(auth[:], b[4:20])
			if !seen[auth] {
				seen[auth] = true
				continue // lose the first copy
			}
			req, _ := layeh.Parse(b, []byte(secret))
			code := layeh.CodeDisconnectNAK
			var attrs layeh.Attributes
			if req.Code == layeh.CodeCoARequest {
				code = layeh.CodeCoANAK
				if rfc2866.AcctSessionID_GetString(req) == "live" && rfc2865.SessionTimeout_Get(req) == 60 {
					code = layeh.CodeCoAACK
				}
			} else if rfc2866.AcctSessionID_GetString(req) == "live" {
				code = layeh.CodeDisconnectACK
			} else {
				p := &layeh.Packet{}
				rfc3576.ErrorCause_Set(p, rfc3576.ErrorCause_Value_SessionContextNotFound)
				attrs = p.Attributes
			}
			reply, _ := encodeReply(code, req.Identifier, req.Authenticator, []byte(secret), attrs, true)
			conn.WriteToUDPAddrPort(reply, from)
		}
	}()
	return conn.LocalAddr().(*net.UDPAddr).AddrPort()
}

func TestDisconnectRequest(t *testing.T) {
	nas := testNAS(t, "coa-secret")
	c := CoAClient{Timeout: 300 * time.Millisecond, Tries: 3}
	ctx := context.Background()

	res, err := c.Disconnect(ctx, DisconnectTarget{Username: "bob", AcctID: "live", NASAddr: nas, NASSecret: "coa-secret"})
	if err != nil || !res.ACK || res.Code != "Disconnect-ACK" {
		t.Fatalf("live session: %+v, %v", res, err)
	}
	res, err = c.Disconnect(ctx, DisconnectTarget{Username: "bob", AcctID: "gone", NASAddr: nas, NASSecret: "coa-secret"})
	if err != nil || res.ACK || res.ErrorCause != "Session-Context-Not-Found" {
		t.Fatalf("unknown session: %+v, %v", res, err)
	}
	p := &layeh.Packet{}
	rfc2865.SessionTimeout_Set(p, 60)
	res, err = c.CoA(ctx, DisconnectTarget{AcctID: "live", NASAddr: nas, NASSecret: "coa-secret"}, p.Attributes)
	if err != nil || !res.ACK || res.Code != "CoA-ACK" {
		t.Fatalf("CoA: %+v, %v", res, err)
	}
	// A NAS that shares another secret never answers (it cannot verify us).
	_, err = c.Disconnect(ctx, DisconnectTarget{AcctID: "live", NASAddr: nas, NASSecret: "other-secret"})
	if !errors.Is(err, ErrNoReply) {
		t.Fatalf("wrong secret: got %v, want ErrNoReply", err)
	}
}
