package radsec

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"testing"
	"time"

	layeh "layeh.com/radius"
	"layeh.com/radius/rfc2865"
	"layeh.com/radius/rfc3576"

	"github.com/wifihk/wifihk/radius"
)

// A Disconnect-Request and a CoA-Request for a NAS connected over RadSec
// go over its open connection (RFC 6614 §2.5), signed with "radsec",
// and its ACK or NAK (with Error-Cause) comes back on it, in between
// the NAS's own requests; a NAS without a connection gets UDP instead.
func TestDisconnectOverRadSecConnection(t *testing.T) {
	r := newRig(t, nil)
	nas := r.dialRaw(r.nasCert)
	// A request of the NAS's own first: once answered, the connection
	// is known by its NAS.
	status := layeh.New(layeh.CodeStatusServer, []byte(Secret))
	wire, err := radius.EncodeRequest(status)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := nas.Write(wire); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, maxLen)
	if b, err := readPacket(nas, buf); err != nil || layeh.Code(b[0]) != layeh.CodeAccessAccept {
		t.Fatalf("Status-Server: %v %v", b, err)
	}
	// The NAS answers what we send: Disconnect-ACK, then CoA-NAK.
	got := make(chan *layeh.Packet, 2)
	go func() {
		for _, code := range []layeh.Code{layeh.CodeDisconnectACK, layeh.CodeCoANAK} {
			b, err := readPacket(nas, make([]byte, maxLen))
			if err != nil {
				close(got)
				return
			}
			req, err := layeh.Parse(b, []byte(Secret))
			if err != nil {
				close(got)
				return
			}
			got <- req
			resp := req.Response(code)
			if code == layeh.CodeCoANAK {
				rfc3576.ErrorCause_Set(resp, rfc3576.ErrorCause_Value_SessionContextNotFound)
			}
			out, _ := resp.Encode()
			nas.Write(out)
		}
	}()
	c := radius.CoAClient{Stream: r.srv, Timeout: 2 * time.Second, Tries: 1}
	target := radius.DisconnectTarget{Username: "alice", NASID: r.nasID, NASAddr: netip.MustParseAddrPort("192.0.2.1:3799"), NASSecret: "udp-secret"}
	res, err := c.Disconnect(context.Background(), target)
	if err != nil || !res.ACK || !res.RadSec || res.To.String() != nas.LocalAddr().String() {
		t.Fatalf("Disconnect over RadSec: %+v %v (NAS at %s)", res, err, nas.LocalAddr())
	}
	if req := <-got; req == nil || req.Code != layeh.CodeDisconnectRequest || rfc2865.UserName_GetString(req) != "alice" {
		t.Fatalf("the NAS got %+v", req)
	}
	res, err = c.CoA(context.Background(), target, nil)
	if err != nil || res.ACK || res.Code != "CoA-NAK" || res.ErrorCause == "" {
		t.Fatalf("CoA over RadSec: %+v %v", res, err)
	}

	// No RadSec connection: UDP, to the NAS's CoA address.
	udp, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer udp.Close()
	target.NASID, target.NASAddr = "another-nas", udp.LocalAddr().(*net.UDPAddr).AddrPort()
	c.Timeout = 100 * time.Millisecond
	if _, _, err := r.srv.ExchangeNAS(context.Background(), "another-nas", nil); !errors.Is(err, radius.ErrNoStream) {
		t.Errorf("a NAS without a connection: %v", err)
	}
	res, err = c.Disconnect(context.Background(), target)
	if !errors.Is(err, radius.ErrNoReply) || res.RadSec || res.To != target.NASAddr {
		t.Errorf("without a connection: %+v %v, want UDP to %s", res, err, target.NASAddr)
	}
	udp.SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, _ := udp.Read(buf); n < 20 || layeh.Code(buf[0]) != layeh.CodeDisconnectRequest {
		t.Errorf("no Disconnect-Request over UDP")
	}
}
