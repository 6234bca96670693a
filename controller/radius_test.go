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
)

// The demo server answers the README's login (demo/demo1234 from the demo
// NAS) and accounting, and /metrics counts them.
func TestDemoRADIUSAndItsMetrics(t *testing.T) {
	a := startDemo(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := lr.Exchange(ctx, papRequest(t, "testing123", "demo", "demo1234"), a.AuthAddr.String())
	if err != nil || res.Code != lr.CodeAccessAccept {
		t.Fatalf("demo login: %v %v", res, err)
	}
	acct := lr.New(lr.CodeAccountingRequest, []byte("testing123"))
	rfc2866.AcctStatusType_Set(acct, rfc2866.AcctStatusType_Value_Start)
	rfc2866.AcctSessionID_SetString(acct, "demo-1")
	rfc2865.UserName_SetString(acct, "demo")
	if res, err := lr.Exchange(ctx, acct, a.AcctAddr.String()); err != nil || res.Code != lr.CodeAccountingResponse {
		t.Fatalf("demo accounting: %v %v", res, err)
	}
	// Coverage counts the session at the demo NAS's venue.
	cov, err := a.Registry.Coverage(ctx, "", 1, a.CoverageSources())
	if err != nil {
		t.Fatal(err)
	}
	if got := cov.Total.OpenSessions; !got.Known || got.N != 1 {
		t.Errorf("coverage sessions open %+v, want 1", got)
	}
	want := []string{
		`wifihk_radius_requests_total{code="Access-Request",server="auth"} 1`,
		`wifihk_radius_replies_total{code="Access-Accept",server="auth"} 1`,
		`wifihk_radius_requests_total{code="Accounting-Request",server="acct"} 1`,
		`wifihk_radius_auth_total{result="accept"} 1`,
		`wifihk_radius_request_duration_seconds_count{server="acct"} 1`,
	}
	// The server counts a reply just after sending it: poll briefly.
	var missing []string
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		_, body := get(t, http.DefaultClient, "http://"+a.HTTPAddr.String()+"/metrics")
		missing = missing[:0]
		for _, w := range want {
			if !strings.Contains(body, w) {
				missing = append(missing, w)
			}
		}
		if len(missing) == 0 || time.Now().After(deadline) {
			break
		}
	}
	if len(missing) > 0 {
		t.Errorf("/metrics lacks %v", missing)
	}
}
