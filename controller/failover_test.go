package controller_test

import (
	"fmt"
	"net/http"
	neturl "net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wifihk/wifihk/controller/config"
	"github.com/wifihk/wifihk/controller/controllertest"
	"github.com/wifihk/wifihk/internal/store/postgres/pgtest"
)

// The PostgreSQL primary dies under accounting load and its streaming
// replica is promoted (pg_ctl promote); the node, connected to both with
// a multi-host URL and target_session_attrs=read-write, carries on
// without a restart: accounting is acknowledged throughout, the writes in
// flight are retried from the journal, and every acknowledged record is
// in the promoted database.
func TestPostgresFailoverUnderLoad(t *testing.T) {
	primary := pgtest.Private(t, pgtest.Options{}) // a kill loses no commit it acknowledged
	url, err := primary.CreateDB()
	if err != nil {
		t.Fatal(err)
	}
	u, _ := neturl.Parse(url)
	db := strings.TrimPrefix(u.Path, "/")
	replica := primary.Replica(t, true) // synchronous: a commit acknowledged is on both
	a := controllertest.Start(t, controllertest.Options{Demo: true, Configure: func(c *config.Config) {
		c.Store.URL = pgtest.MultiHostURL(db, primary, replica) + "&tx_timeout=3s&connect_timeout=2"
	}})
	load := &acctLoad{addr: a.AcctAddr.String(), acked: map[string]ackedSession{}}
	run := func(phase string, sessions int) {
		defer func(t0 time.Time) { t.Logf("%s: %v", phase, time.Since(t0)) }(time.Now())
		var wg sync.WaitGroup
		for i := range sessions {
			wg.Go(func() { load.session(t, fmt.Sprintf("%s-%d", phase, i), 8) })
		}
		wg.Wait()
	}
	run("before", 20)
	during := make(chan struct{})
	go func() { defer close(during); run("failover", 20) }()
	primary.Kill()
	start := time.Now()
	if err := replica.Promote(); err != nil {
		t.Fatal(err)
	}
	t.Logf("promoted in %v", time.Since(start).Round(time.Millisecond))
	<-during
	run("after", 10)
	base := "http://" + a.HTTPAddr.String()
	for deadline := time.Now().Add(30 * time.Second); ; {
		code, body := get(t, http.DefaultClient, base+"/readyz")
		if code == 200 && strings.Contains(body, "accounting journal: 0 records") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("never caught up on the promoted replica: %d %q", code, body)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("caught up %v after the kill", time.Since(start).Round(time.Millisecond))
	a.Sessions.Sync()

	load.check(t, replica.URL(db), 50)
	t.Logf("%d accounting packets acknowledged", load.sent)
}
