package cluster

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"layeh.com/radius"
	"layeh.com/radius/rfc2866"

	"github.com/wifihk/wifihk/agent/wire"
	"github.com/wifihk/wifihk/agent/wire/wiretest"
)

// ledger is the load's own record of what the cluster answered: every
// Access-Request as the NAS saw it, every accounting packet and agent
// report acknowledged.
type ledger struct {
	mu       sync.Mutex
	auths    []exchange
	sessions map[string]*session // by Acct-Session-Id
	passes   []passUse
	reports  map[string]uint64 // AP ID -> highest sequence number acknowledged
	acct     int               // accounting packets acknowledged
	agent    int               // reports acknowledged
}

// session is one accounting session as the NAS ran it.
type session struct {
	user     string
	accepted time.Time // when its Access-Request was sent
	startAck time.Time // when its Start was acknowledged (zero: never)
	stopSent time.Time // when its Stop was first sent (zero: never)
	acked    uint64    // packets acknowledged, each adding octetsPerPacket
	stopped  bool      // its Stop was acknowledged
}

// passUse is one free pass presented.
type passUse struct {
	mac      string
	accepted bool
	timeouts int // sends unanswered before the answer
}

func newLedger() *ledger {
	return &ledger{sessions: map[string]*session{}, reports: map[string]uint64{}}
}

func (l *ledger) auth(x exchange) {
	l.mu.Lock()
	l.auths = append(l.auths, x)
	l.mu.Unlock()
}

// load is the traffic of the soak: gateways with accounts and free passes,
// APs with reports.
type load struct {
	l        *ledger
	nodes    []*node
	gateways []*gateway
	pace     time.Duration // between one client's packets
	interims int           // Interim-Updates per session
}

// account logs in user from mac through g again and again, as two
// devices sharing an account do: a session of Start, Interims and Stop
// when accepted, a pause when refused (Simultaneous-Use).
func (ld *load) account(ctx context.Context, g *gateway, user, mac string) {
	for n := 0; ctx.Err() == nil; n++ {
		sent := time.Now()
		res, x := g.send(ctx, chap(user, accountPassword, mac))
		if res == nil {
			return
		}
		ld.l.auth(x)
		if res.Code != radius.CodeAccessAccept {
			sleep(ctx, 5*ld.pace)
			continue
		}
		ld.session(ctx, g, fmt.Sprintf("%s-%s-%d", user, mac[len(mac)-2:], n), user, mac, sent)
	}
}

// session runs one accounting session through g, each packet sent until
// some server acknowledges it.
func (ld *load) session(ctx context.Context, g *gateway, id, user, mac string, accepted time.Time) {
	s := &session{user: user, accepted: accepted}
	ld.l.mu.Lock()
	ld.l.sessions[id] = s
	ld.l.mu.Unlock()
	last := uint64(ld.interims + 1)
	for i := uint64(0); i <= last; i++ {
		status := rfc2866.AcctStatusType_Value_InterimUpdate
		switch i {
		case 0:
			status = rfc2866.AcctStatusType_Value_Start
		case last:
			status = rfc2866.AcctStatusType_Value_Stop
			ld.l.mu.Lock()
			s.stopSent = time.Now()
			ld.l.mu.Unlock()
		}
		res, _ := g.send(ctx, accountingRequest(status, id, user, mac, i+1))
		if res == nil || res.Code != radius.CodeAccountingResponse {
			return // the soak is over
		}
		ld.l.mu.Lock()
		s.acked, ld.l.acct = i+1, ld.l.acct+1
		if i == 0 {
			s.startAck = time.Now()
		}
		s.stopped = status == rfc2866.AcctStatusType_Value_Stop
		ld.l.mu.Unlock()
		if i < last {
			sleep(ctx, ld.pace)
		}
	}
}

// devices presents each device's free passes in turn through g, one
// device every spacing: a short session for each accepted.
func (ld *load) devices(ctx context.Context, g *gateway, devs []device, spacing time.Duration) {
	next := time.Now()
	for _, d := range devs {
		for _, p := range d.passes {
			sent := time.Now()
			res, x := g.send(ctx, pap(p.user, p.password, d.mac))
			if res == nil {
				return
			}
			ld.l.auth(x)
			ok := res.Code == radius.CodeAccessAccept
			ld.l.mu.Lock()
			ld.l.passes = append(ld.l.passes, passUse{mac: d.mac, accepted: ok, timeouts: x.timeouts})
			ld.l.mu.Unlock()
			if ok {
				ld.session(ctx, g, p.user[len(p.user)-12:], p.user, d.mac, sent)
			}
			sleep(ctx, ld.pace)
		}
		next = next.Add(spacing)
		sleep(ctx, time.Until(next))
	}
}

// reports posts AP ap's reports, one after the other, each to the node it
// sent the last one to and, when that fails, to the next node.
func (ld *load) reports(ctx context.Context, ap, token string, first int) {
	client := &http.Client{Timeout: 2 * time.Second}
	at := first
	for seq := uint64(1); ctx.Err() == nil; {
		body := wiretest.Report(seq, time.Now().UTC().Truncate(time.Second), 3).AppendJSON(nil)
		if err := postReport(ctx, client, "http://"+ld.nodes[at].http+wire.Path, token, body); err != nil {
			at = (at + 1) % len(ld.nodes)
			sleep(ctx, ld.pace/4)
			continue
		}
		ld.l.mu.Lock()
		ld.l.reports[ap], ld.l.agent = seq, ld.l.agent+1
		ld.l.mu.Unlock()
		seq++
		sleep(ctx, ld.pace)
	}
}

func postReport(ctx context.Context, client *http.Client, url, token string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err := client.Do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode/100 != 2 {
		return fmt.Errorf("HTTP %d", res.StatusCode)
	}
	return nil
}

func sleep(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
