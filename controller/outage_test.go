package controller_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	lr "layeh.com/radius"
	"layeh.com/radius/rfc2865"
	"layeh.com/radius/rfc2866"
	"layeh.com/radius/rfc2869"

	"github.com/wifihk/wifihk/agent/wire/wiretest"
	"github.com/wifihk/wifihk/controller"
	"github.com/wifihk/wifihk/controller/config"
	"github.com/wifihk/wifihk/controller/controllertest"
	"github.com/wifihk/wifihk/internal/store/postgres/pgtest"
)

// acctLoad plays a NAS: sessions each sending Start, Interims and a Stop
// over real UDP, retrying as a NAS does, and remembers every packet the
// server acknowledged.
type acctLoad struct {
	addr string
	mu   sync.Mutex
	// acked is, per session, the highest octets acknowledged and whether
	// its Stop was.
	acked map[string]ackedSession
	sent  int
}

type ackedSession struct {
	octets  uint64
	stopped bool
}

func (l *acctLoad) send(t *testing.T, id string, status rfc2866.AcctStatusType, octets uint64) bool {
	p := lr.New(lr.CodeAccountingRequest, []byte("testing123"))
	rfc2866.AcctStatusType_Set(p, status)
	rfc2866.AcctSessionID_SetString(p, id)
	rfc2865.UserName_SetString(p, "user-"+id)
	rfc2865.CallingStationID_SetString(p, "02-00-00-00-00-01")
	rfc2866.AcctInputOctets_Set(p, rfc2866.AcctInputOctets(octets&0xffffffff))
	rfc2869.AcctInputGigawords_Set(p, rfc2869.AcctInputGigawords(octets>>32))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	res, err := lr.Exchange(ctx, p, l.addr)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sent++
	if err != nil || res.Code != lr.CodeAccountingResponse {
		return false
	}
	a := l.acked[id]
	a.octets = max(a.octets, octets)
	a.stopped = a.stopped || status == rfc2866.AcctStatusType_Value_Stop
	l.acked[id] = a
	return true
}

// check compares the sessions in the database at url with what was
// acknowledged (want sessions) and returns the connection.
func (l *acctLoad) check(t *testing.T, url string, want int) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	rows, _ := conn.Query(context.Background(), `SELECT acct_session_id, input_octets::text, open FROM wifihk_sessions WHERE id IS NOT NULL`)
	got := map[string]ackedSession{}
	for rows.Next() {
		var id, octets string
		var open bool
		if err := rows.Scan(&id, &octets, &open); err != nil {
			t.Fatal(err)
		}
		var n uint64
		fmt.Sscan(octets, &n)
		got[id] = ackedSession{octets: n, stopped: !open}
	}
	if len(l.acked) != want {
		t.Errorf("%d sessions acknowledged, want %d", len(l.acked), want)
	}
	for id, acked := range l.acked {
		if got[id] != acked {
			t.Errorf("session %s: database has %+v, acknowledged %+v", id, got[id], acked)
		}
	}
	return conn
}

// session runs one session of n packets, each acknowledged or the test
// fails: the store may be away, accounting is acknowledged regardless.
func (l *acctLoad) session(t *testing.T, id string, n int) {
	for i := range n {
		status := rfc2866.AcctStatusType_Value_InterimUpdate
		switch i {
		case 0:
			status = rfc2866.AcctStatusType_Value_Start
		case n - 1:
			status = rfc2866.AcctStatusType_Value_Stop
		}
		if !l.send(t, id, status, uint64(i)<<31) {
			t.Errorf("%s packet %d not acknowledged", id, i)
			return
		}
	}
}

// PostgreSQL killed under accounting and agent-report load: the node
// keeps acknowledging both from its journals, says how far behind it is
// on /readyz and /metrics, drops (not rejects) an Access-Request that
// needs the database, and once PostgreSQL is back catches up by itself:
// every acknowledged record is in the database.
func TestPostgresOutageUnderLoad(t *testing.T) {
	srv := pgtest.Private(t, pgtest.Options{}) // a kill loses no commit it acknowledged
	url, err := srv.CreateDB()
	if err != nil {
		t.Fatal(err)
	}
	a := controllertest.Start(t, controllertest.Options{Demo: true,
		Configure: func(c *config.Config) { c.Store.URL = url + "&tx_timeout=3s&connect_timeout=2" }})
	ap, token, err := a.Registry.AddAP(controller.DemoNASVenue, "lobby", "02:00:00:00:aa:01")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + a.HTTPAddr.String()
	seq := uint64(0)
	report := func() {
		t.Helper()
		seq++
		raw, _ := json.Marshal(wiretest.Report(seq, time.Now(), 3))
		if code, body := wiretest.Post(t, base, token, raw, ""); code != 200 {
			t.Errorf("report %d: %d %s", seq, code, body)
		}
	}
	load := &acctLoad{addr: a.AcctAddr.String(), acked: map[string]ackedSession{}}
	run := func(phase string, sessions int) {
		var wg sync.WaitGroup
		for i := range sessions {
			wg.Go(func() { load.session(t, fmt.Sprintf("%s-%d", phase, i), 6) })
		}
		for range 5 {
			report()
		}
		wg.Wait()
	}

	run("before", 20)
	// A session open across the outage, whose Stop comes during it.
	if !load.send(t, "across", rfc2866.AcctStatusType_Value_Start, 0) {
		t.Fatal("across: start")
	}
	killed := make(chan struct{})
	go func() { defer close(killed); run("during", 20) }() // killed while it runs
	srv.Kill()
	<-killed
	if !load.send(t, "across", rfc2866.AcctStatusType_Value_Stop, 77) {
		t.Error("across: stop during the outage not acknowledged")
	}
	// The appliers notice the outage at their next write: wait for it.
	code, body := get(t, http.DefaultClient, base+"/readyz")
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(body, "store unreachable") && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond) // polling readyz
		code, body = get(t, http.DefaultClient, base+"/readyz")
	}
	if code != 503 || !strings.Contains(body, "accounting journal:") || !strings.Contains(body, "store unreachable") ||
		!strings.Contains(body, "change feed: not listening") {
		t.Errorf("readyz during the outage: %d %q", code, body)
	}
	if _, metrics := get(t, http.DefaultClient, base+"/metrics"); !strings.Contains(metrics, `wifihk_journal_store_failing{journal="accounting"} 1`) ||
		!strings.Contains(metrics, `wifihk_journal_backlog_records{journal="reports"}`) {
		t.Errorf("metrics during the outage lack the backlog")
	}
	// An Access-Request that needs the database is dropped (the NAS
	// retries), not rejected.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	res, err := lr.Exchange(ctx, papRequest(t, "testing123", "never-seen", "password123"), a.AuthAddr.String())
	cancel()
	if err == nil {
		t.Errorf("auth during the outage answered %v, want no answer", res.Code)
	}

	back := make(chan struct{})
	go func() { defer close(back); run("return", 10) }() // restarted while it runs
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	<-back
	deadline := time.Now().Add(30 * time.Second)
	for {
		code, body = get(t, http.DefaultClient, base+"/readyz")
		if code == 200 && strings.Contains(body, "accounting journal: 0 records") && strings.Contains(body, "reports journal: 0 records") &&
			strings.Contains(body, "change feed: listening") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("never caught up: %d %q", code, body)
		}
		time.Sleep(50 * time.Millisecond)
	}
	run("after", 5)
	a.Sessions.Sync()
	a.Telemetry.Sync()

	conn := load.check(t, url, 56)
	var hi int64
	if err := conn.QueryRow(context.Background(), `SELECT max(hi) FROM wifihk_reports WHERE ap = $1`, ap.ID).Scan(&hi); err != nil || uint64(hi) != seq {
		t.Errorf("reports in the database up to %d (%v), acknowledged %d", hi, err, seq)
	}
	t.Logf("%d accounting packets, %d reports", load.sent, seq)
}
