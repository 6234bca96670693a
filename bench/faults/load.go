package faults

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	layeh "layeh.com/radius"
	"layeh.com/radius/rfc2865"
	"layeh.com/radius/rfc2866"

	"github.com/wifihk/wifihk/agent/wire/wiretest"
)

// ledger is the load tool's own log of what the server acknowledged: the
// highest Acct-Input-Octets answered per accounting session, and the
// highest report sequence number answered per AP. Each is sent only after
// the one before it was answered, so the highest stands for all.
type ledger struct {
	mu       sync.Mutex
	sessions map[string]uint32 // Acct-Session-Id -> octets
	reports  map[string]uint64 // AP ID -> seq
	acct     int               // accounting packets answered
	agent    int               // reports answered
}

func newLedger() *ledger {
	return &ledger{sessions: map[string]uint32{}, reports: map[string]uint64{}}
}

func (l *ledger) ackSession(id string, v uint32) {
	l.mu.Lock()
	l.sessions[id], l.acct = max(l.sessions[id], v), l.acct+1
	l.mu.Unlock()
}

func (l *ledger) ackReport(ap string, seq uint64) {
	l.mu.Lock()
	l.reports[ap], l.agent = max(l.reports[ap], seq), l.agent+1
	l.mu.Unlock()
}

// counts returns the acknowledgements so far.
func (l *ledger) counts() (acct, agent int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.acct, l.agent
}

// secret is the demo NAS's (serve -demo seeds NAS 127.0.0.1 with it).
const secret = "testing123"

// acctLoad sends Interim-Updates with growing octet counts, one session
// per worker (named prefix-N), each waiting for its answer, as a NAS does,
// and retrying an unanswered one, until ctx ends.
func acctLoad(ctx context.Context, addr, prefix string, workers int, l *ledger) {
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			acctSession(ctx, addr, fmt.Sprintf("%s-%d", prefix, w), l)
		}()
	}
	wg.Wait()
}

func acctSession(ctx context.Context, addr, id string, l *ledger) {
	conn, err := net.Dial("udp", addr)
	if err != nil {
		return
	}
	defer conn.Close()
	buf := make([]byte, 4096)
	for v := uint32(1); ctx.Err() == nil; {
		p := layeh.New(layeh.CodeAccountingRequest, []byte(secret))
		rfc2866.AcctStatusType_Set(p, rfc2866.AcctStatusType_Value_InterimUpdate)
		rfc2866.AcctSessionID_SetString(p, id)
		rfc2865.UserName_SetString(p, "load")
		rfc2865.NASIdentifier_SetString(p, "demo")
		rfc2866.AcctInputOctets_Set(p, rfc2866.AcctInputOctets(v))
		req, err := p.Encode()
		if err != nil {
			return
		}
		conn.Write(req)
		conn.SetReadDeadline(time.Now().Add(time.Second))
		n, err := conn.Read(buf)
		if err != nil {
			continue // unanswered: send it again, as a NAS retries
		}
		if layeh.IsAuthenticResponse(buf[:n], req, []byte(secret)) {
			l.ackSession(id, v)
			v++
		}
	}
}

// agents posts reports for each AP (ID and token), one at a time per AP,
// each a sequence number after the last one answered, until ctx ends.
func agents(ctx context.Context, baseURL string, aps map[string]string, l *ledger) {
	var wg sync.WaitGroup
	for id, token := range aps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l.mu.Lock()
			seq := l.reports[id] + 1
			l.mu.Unlock()
			for ctx.Err() == nil {
				if postReport(ctx, baseURL, token, seq) == nil {
					l.ackReport(id, seq)
					seq++
				} else {
					time.Sleep(50 * time.Millisecond)
				}
			}
		}()
	}
	wg.Wait()
}

func postReport(ctx context.Context, baseURL, token string, seq uint64) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	body := wiretest.Report(seq, time.Now().UTC().Truncate(time.Second), 3).AppendJSON(nil)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, baseURL+"/api/v1/agent/reports", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode/100 != 2 {
		return fmt.Errorf("report %d: HTTP %d", seq, res.StatusCode)
	}
	return nil
}
