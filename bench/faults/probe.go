package faults

import (
	"context"
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"fmt"
	"sync/atomic"
	"time"

	layeh "layeh.com/radius"
	"layeh.com/radius/rfc2865"

	"github.com/wifihk/wifihk/bench/portalload"
	"github.com/wifihk/wifihk/portal/gateway"
)

// The logins a full disk must not stop: PAP and CHAP for accounts, a
// click-through free pass (portal, then the gateway's CHAP Access-Request)
// and Status-Server. Each is valid: anything but an accept is a failure.
const (
	papUser, papPassword   = "demo", "demo1234" // seeded by serve -demo
	chapUser, chapPassword = "faults-chap", "chap-password-1"
)

// prober sends the logins to one server.
type prober struct {
	srv   *server
	gw    *gateway.Gateway
	phone atomic.Int64
	run   [2]byte // per run, so that earlier runs' daily allowances do not apply
}

func newProber(srv *server) (*prober, error) {
	gw, err := gateway.Start(gateway.Config{PortalURL: "http://" + srv.http + "/portal", RADIUSAddr: srv.auth,
		Secret: secret, NASID: "demo", UAMSecret: "uamsecret"})
	if err != nil {
		return nil, err
	}
	p := &prober{srv: srv, gw: gw}
	rand.Read(p.run[:])
	return p, nil
}

func (p *prober) close() { p.gw.Close() }

// login kinds, in the order reports list them.
var kinds = []string{"pap", "chap", "free_pass", "status_server"}

// try sends one login of kind and says whether it was accepted, within
// 10 s, as long as a NAS goes on retransmitting.
func (p *prober) try(ctx context.Context, kind string) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	switch kind {
	case "pap":
		q := layeh.New(layeh.CodeAccessRequest, []byte(secret))
		rfc2865.UserName_SetString(q, papUser)
		rfc2865.UserPassword_SetString(q, papPassword)
		return p.accept(ctx, q)
	case "chap":
		q := layeh.New(layeh.CodeAccessRequest, []byte(secret))
		rfc2865.UserName_SetString(q, chapUser)
		id := byte(7)
		sum := md5.Sum(append(append([]byte{id}, chapPassword...), q.Authenticator[:]...))
		rfc2865.CHAPPassword_Set(q, append([]byte{id}, sum[:]...))
		return p.accept(ctx, q)
	case "status_server":
		q := layeh.New(layeh.CodeStatusServer, []byte(secret))
		return p.accept(ctx, q)
	default:
		return p.freePass(ctx)
	}
}

// accept sends q with a Message-Authenticator and wants Access-Accept.
func (p *prober) accept(ctx context.Context, q *layeh.Packet) error {
	rfc2865.NASIdentifier_SetString(q, "demo")
	q.Set(80, make([]byte, 16))
	raw, err := q.Encode()
	if err != nil {
		return err
	}
	mac := hmac.New(md5.New, []byte(secret))
	mac.Write(raw)
	q.Set(80, mac.Sum(nil))
	res, err := layeh.Exchange(ctx, q, p.srv.auth)
	if err != nil {
		return fmt.Errorf("unanswered: %w", err)
	}
	if res.Code != layeh.CodeAccessAccept {
		return fmt.Errorf("answered %v", res.Code)
	}
	return nil
}

// freePass is one click-through by a new phone with a new MAC.
func (p *prober) freePass(ctx context.Context) error {
	i := int(p.phone.Add(1))
	ph := portalload.NewPhone(i)
	mac := fmt.Sprintf("02:fa:%02x:%02x:%02x:%02x", p.run[0], p.run[1], byte(i>>8), byte(i))
	if err := ph.Land(ctx, p.gw, mac); err != nil {
		return err
	}
	_, err := ph.Login(ctx)
	return err
}
