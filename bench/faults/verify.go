package faults

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/wifihk/wifihk/accounting"
	"github.com/wifihk/wifihk/controller/cli"
	"github.com/wifihk/wifihk/telemetry"
)

// loss is what a check found missing of what the ledger says was
// acknowledged.
type loss struct {
	acked, lost int      // records (accounting packets, reports) acknowledged; of them, missing
	examples    []string // the first few sessions or APs short
}

// verify asks the running server on dir (so that a damaged file crashes
// the server, not the suite) for every acknowledgement in l: each session
// must hold at least the octets acknowledged (`session list` through the
// control socket), each AP's stored reports must reach the sequence
// number acknowledged (the staff API). Each acknowledged packet or report
// added one, so a shortfall is how many acknowledged records are missing.
func (s *Suite) verify(ctx context.Context, srv *server, dir string, l *ledger) (loss, error) {
	var out loss
	var stdout, stderr bytes.Buffer
	if code := cli.Run(ctx, []string{"session", "list", "-data", dir, "-json", "-limit", "0"}, &stdout, &stderr); code != 0 {
		return out, fmt.Errorf("session list: exit %d: %s", code, strings.TrimSpace(stderr.String()))
	}
	var got struct{ Sessions []accounting.Session }
	if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
		return out, fmt.Errorf("session list: %w", err)
	}
	stored := map[string]uint64{}
	for _, ss := range got.Sessions {
		stored[ss.AcctID] = max(stored[ss.AcctID], ss.InputOctets)
	}
	short := func(n int, format string, args ...any) {
		out.lost += n
		if len(out.examples) < 5 {
			out.examples = append(out.examples, fmt.Sprintf(format, args...))
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	out.acked = l.acct + l.agent
	for id, v := range l.sessions {
		if stored[id] < uint64(v) {
			short(int(uint64(v)-stored[id]), "session %s: acknowledged %d octets, stored %d", id, v, stored[id])
		}
	}
	for ap, seq := range l.reports {
		st, err := s.apStatus(ctx, srv, ap)
		if err != nil {
			return out, err
		}
		if st.LastSeq < seq {
			short(int(seq-st.LastSeq), "AP %s: acknowledged report %d, stored up to %d", ap, seq, st.LastSeq)
		}
	}
	return out, nil
}

func (s *Suite) apStatus(ctx context.Context, srv *server, ap string) (telemetry.Status, error) {
	var st telemetry.Status
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+srv.http+"/api/v1/aps/"+ap+"/status", nil)
	if err != nil {
		return st, err
	}
	req.Header.Set("Authorization", "Bearer "+s.staffToken)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return st, fmt.Errorf("AP %s status: %w", ap, err)
	}
	defer res.Body.Close()
	if res.StatusCode == http.StatusNotFound {
		return st, nil // no status stored: every acknowledged report is missing
	}
	if res.StatusCode != http.StatusOK {
		return st, fmt.Errorf("AP %s status: HTTP %d", ap, res.StatusCode)
	}
	return st, json.NewDecoder(res.Body).Decode(&st)
}
