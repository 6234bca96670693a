package portalload

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wifihk/wifihk/controller/controllertest"
	"github.com/wifihk/wifihk/portal"
)

func TestRunSchedulesAtRate(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1)%10 == 0 {
			http.Error(w, "no", http.StatusTooManyRequests)
			return
		}
		w.Write([]byte("hello"))
	}))
	defer srv.Close()
	r, err := Run(context.Background(), Config{URL: srv.URL, Rate: 400, Duration: 500 * time.Millisecond, Connections: 8})
	if err != nil {
		t.Fatal(err)
	}
	if r.Sent != 200 || int(hits.Load()) != 200 {
		t.Fatalf("sent %d, server saw %d, want 200", r.Sent, hits.Load())
	}
	if r.OK != 180 || r.Errors != 20 || r.Status[429] != 20 || r.Status[200] != 180 {
		t.Fatalf("ok %d errors %d status %v, want 180/20", r.OK, r.Errors, r.Status)
	}
	if !strings.Contains(r.FirstError, "429") || r.Bytes < 180*5 {
		t.Fatalf("first error %q, bytes %d", r.FirstError, r.Bytes)
	}
	// 180 good answers over a half-second schedule.
	if r.Achieved < 100 || r.Achieved > 400 {
		t.Fatalf("achieved %.0f/s", r.Achieved)
	}
	if r.P50 > r.P90 || r.P90 > r.P99 || r.P99 > r.Max || r.Max <= 0 {
		t.Fatalf("percentiles out of order: %+v", r)
	}
}

// TestStallCountsForEveryDelayedRequest is the point of an open loop: one
// 300 ms stall on the only connection delays every request scheduled
// during it, and they all count from their scheduled time. A closed-loop
// tool would report one slow request out of 200 and a clean p90.
func TestStallCountsForEveryDelayedRequest(t *testing.T) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 20 {
			time.Sleep(300 * time.Millisecond) // the server stalls once
		}
	}))
	defer srv.Close()
	r, err := Run(context.Background(), Config{URL: srv.URL, Rate: 200, Duration: time.Second, Connections: 1})
	if err != nil {
		t.Fatal(err)
	}
	if r.Max < 300*time.Millisecond {
		t.Fatalf("max %v, want ≥ the 300 ms stall", r.Max)
	}
	// About 60 of 200 requests fall due during the stall, waiting 0–300 ms.
	if r.P90 < 100*time.Millisecond {
		t.Fatalf("p90 %v hides the stall", r.P90)
	}
}

func TestTimeoutIsAnError(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	r, err := Run(context.Background(), Config{URL: srv.URL, Rate: 20, Duration: 100 * time.Millisecond, Timeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if r.Sent != 2 || r.Errors != 2 || r.OK != 0 || r.FirstError == "" {
		t.Fatalf("%+v", r)
	}
}

func TestConfigErrors(t *testing.T) {
	for name, c := range map[string]Config{
		"no url":    {Rate: 1},
		"bad url":   {URL: "ftp://x/", Rate: 1},
		"no rate":   {URL: "http://127.0.0.1/"},
		"huge rate": {URL: "http://127.0.0.1/", Rate: 1e9},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := Run(context.Background(), c); err == nil || !strings.HasPrefix(err.Error(), "portalload: ") {
				t.Fatalf("err %v", err)
			}
		})
	}
}

// TestLandingURLs: each URL is a valid UAM redirect for its own device
// with an md the portal accepts.
func TestLandingURLs(t *testing.T) {
	f := Landing("http://127.0.0.1:8080/portal", "demo", "uamsecret")
	seen := map[string]bool{}
	for i := range 300 {
		u := f(i)
		if err := portal.VerifyMD(u, "uamsecret"); err != nil {
			t.Fatalf("%s: %v", u, err)
		}
		if portal.VerifyMD(u, "other") == nil {
			t.Fatal("md verifies under another secret")
		}
		p, err := portal.ParseQuery(u[strings.IndexByte(u, '?')+1:])
		if err != nil {
			t.Fatal(err)
		}
		if p.NASID != "demo" || p.Res != portal.ResNotYet || len(p.Challenge) != 16 || seen[p.MAC] {
			t.Fatalf("%+v", p)
		}
		seen[p.MAC] = true
	}
}

// TestRunLogins logs phones on through the real server: the portal, its
// RADIUS server and store, with this test as the phones and the gateway.
func TestRunLogins(t *testing.T) {
	a := controllertest.Start(t, controllertest.Options{Demo: true})
	lc := LoginConfig{PortalURL: "http://" + a.HTTPAddr.String() + "/portal", RADIUSAddr: a.AuthAddr.String(),
		Secret: "testing123", NASID: "demo", UAMSecret: "uamsecret", Rate: 50, Duration: 400 * time.Millisecond,
		ServerPID: os.Getpid()}
	r, err := RunLogins(context.Background(), lc)
	if err != nil {
		t.Fatal(err)
	}
	if r.Sent != 20 || r.OK != 20 || r.Errors != 0 || r.Status[302] != 20 {
		t.Fatalf("%+v", r)
	}
	if r.ServerCPUPerOp <= 0 {
		t.Fatalf("no CPU per login from /proc: %+v", r)
	}
	// A wrong RADIUS secret: the gateway's requests are dropped, so no
	// login completes.
	lc.Secret, lc.Timeout, lc.Rate, lc.Duration = "wrong", 300*time.Millisecond, 20, 100*time.Millisecond
	if r, err := RunLogins(context.Background(), lc); err != nil || r.OK != 0 || r.Errors != 2 {
		t.Fatalf("wrong secret: %+v, %v", r, err)
	}
}
