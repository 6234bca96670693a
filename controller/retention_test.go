package controller_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	lr "layeh.com/radius"
	"layeh.com/radius/rfc2865"
	"layeh.com/radius/rfc2866"

	"github.com/wifihk/wifihk/accounting"
	"github.com/wifihk/wifihk/accounting/archive"
	"github.com/wifihk/wifihk/controller"
	"github.com/wifihk/wifihk/controller/config"
	"github.com/wifihk/wifihk/controller/controllertest"
	"github.com/wifihk/wifihk/internal/datadir"
	"github.com/wifihk/wifihk/portal"
	"github.com/wifihk/wifihk/visitors"
)

// acct sends one accounting packet from the demo NAS, delay old by its
// Acct-Delay-Time, which is how the test moves a session into the past.
func acct(t *testing.T, a *controller.App, status rfc2866.AcctStatusType, id string, delay time.Duration, sessionTime uint32) {
	t.Helper()
	p := lr.New(lr.CodeAccountingRequest, []byte("testing123"))
	rfc2866.AcctStatusType_Set(p, status)
	rfc2866.AcctSessionID_SetString(p, id)
	rfc2865.UserName_SetString(p, "demo")
	rfc2865.CallingStationID_SetString(p, "02-11-22-33-44-55")
	rfc2866.AcctDelayTime_Set(p, rfc2866.AcctDelayTime(delay/time.Second))
	rfc2866.AcctSessionTime_Set(p, rfc2866.AcctSessionTime(sessionTime))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if res, err := lr.Exchange(ctx, p, a.AcctAddr.String()); err != nil || res.Code != lr.CodeAccountingResponse {
		t.Fatalf("accounting %v %s: %v %v", status, id, res, err)
	}
}

// waitFor polls cond until it holds or 10 s pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("waited 10 s for %s", what)
		}
	}
}

// A served controller closes a silent session, reopens it when the NAS
// speaks again, and archives then removes sessions past retention.
func TestServedRetentionAndStaleSessions(t *testing.T) {
	a := controllertest.Start(t, controllertest.Options{Demo: true, Configure: func(c *config.Config) {
		c.Retention.Stale.Every, c.Retention.Every = 20*time.Millisecond, 20*time.Millisecond
		c.Retention.Sessions = 24 * time.Hour
		c.Retention.Archive.Enabled = true
	}})
	// The demo plan asks for interim updates every 300 s: an hour of
	// silence is stale.
	acct(t, a, rfc2866.AcctStatusType_Value_Start, "silent", time.Hour, 0)
	waitFor(t, "the stale close", func() bool {
		ss, err := a.Sessions.Get("demo-localhost/silent")
		return err == nil && ss.Stale
	})
	if ss, _ := a.Sessions.Get("demo-localhost/silent"); ss.Open || ss.TerminateCause != "Lost-Service" {
		t.Fatalf("stale session = %+v", ss)
	}
	acct(t, a, rfc2866.AcctStatusType_Value_InterimUpdate, "silent", 0, 3600)
	if ss, _ := a.Sessions.Get("demo-localhost/silent"); !ss.Open || ss.Stale {
		t.Fatalf("after the Interim-Update = %+v", ss)
	}

	// Two days old: past the 24 h retention. Its Stop alone (a session
	// first heard of at its end), so that the stale close, every 20 ms
	// here, never sees it open.
	acct(t, a, rfc2866.AcctStatusType_Value_Stop, "old", 48*time.Hour, 3600)
	dir := datadir.Dir(a.Config.DataDir).Archive()
	waitFor(t, "the purge", func() bool { _, err := a.Sessions.Get("demo-localhost/old"); return err != nil })
	all, err := archive.List(dir)
	if err != nil || len(all) != 1 || all[0].Records != 1 || !all[0].Pseudonymised {
		t.Fatalf("archive = %+v, %v", all, err)
	}
	var got []string
	archive.Read(dir, all[0], func(ss accounting.Session) error { got = append(got, ss.ID+" "+ss.Username); return nil })
	if len(got) != 1 || !strings.HasPrefix(got[0], "demo-localhost/old p:") {
		t.Fatalf("archived %q", got)
	}
	// An 802.1X resumption record past its expiry goes at the next purge.
	expired := visitors.Resumption{Tag: strings.Repeat("0a", 16), User: "demo", Method: "ttls", ExpiresAt: time.Now().Add(-time.Minute)}
	if err := visitors.New(a.DB, a.Sealer).SaveResumptions([]visitors.Resumption{expired}); err != nil {
		t.Fatal(err)
	}
	purged := `wifihk_retention_removed_total{kind="eap_resumptions"} 1`
	waitFor(t, "the resumption purge", func() bool {
		_, body := get(t, http.DefaultClient, "http://"+a.HTTPAddr.String()+"/metrics")
		return strings.Contains(body, purged)
	})
	_, body := get(t, http.DefaultClient, "http://"+a.HTTPAddr.String()+"/metrics")
	for _, w := range []string{
		"wifihk_sessions_stale_closed_total 1",
		"wifihk_sessions_stale_reopened_total 1",
		`wifihk_retention_removed_total{kind="sessions"} 1`,
	} {
		if !strings.Contains(body, w) {
			t.Errorf("/metrics lacks %s", w)
		}
	}
}

// openNDS reports a session only at its end: an hour of silence does not
// make its session stale, as it does a RADIUS one's.
func TestOpenNDSSessionsAreNotStale(t *testing.T) {
	a := controllertest.Start(t, controllertest.Options{Demo: true, Configure: func(c *config.Config) {
		c.Retention.Stale.Every = 20 * time.Millisecond
	}})
	nas, _ := a.Registry.LookupNAS("demo")
	if _, err := a.Sessions.Apply(accounting.Update{NAS: nas.ID, AcctID: portal.FASAcctPrefix + "0123456789abcdef", Status: accounting.Start,
		Username: "demo", MAC: "02:11:22:33:44:56", Class: "whk1:0011:default", At: time.Now().Add(-time.Hour)}); err != nil {
		t.Fatal(err)
	}
	acct(t, a, rfc2866.AcctStatusType_Value_Start, "silent", time.Hour, 0)
	waitFor(t, "the stale close", func() bool {
		ss, err := a.Sessions.Get("demo-localhost/silent")
		return err == nil && ss.Stale
	})
	if ss, err := a.Sessions.Get(nas.ID + "/" + portal.FASAcctPrefix + "0123456789abcdef"); err != nil || !ss.Open {
		t.Fatalf("openNDS session = %+v, %v; want it open", ss, err)
	}
}
