package portal_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/mux"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/wifihk/wifihk/accounting"
	"github.com/wifihk/wifihk/bench/portalload"
	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/internal/secrets"
	"github.com/wifihk/wifihk/internal/store"
	"github.com/wifihk/wifihk/portal"
	"github.com/wifihk/wifihk/portal/gateway"
	"github.com/wifihk/wifihk/radius"
	"github.com/wifihk/wifihk/visitors"
)

// benchStack is the portal and the real RADIUS authentication server over
// one bbolt store (fsync on), with rate limits raised so that one machine
// can play many visitors.
type benchStack struct {
	portalURL string
	gw        *gateway.Gateway
	handler   http.Handler
}

func newBenchStack(b *testing.B) *benchStack {
	db, err := store.Open(b.TempDir(), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	sealer, _ := secrets.New(make([]byte, 32))
	reg, err := hotspots.New(db, sealer)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := reg.AddNAS(hotspots.NASInput{Name: "bench", IP: "127.0.0.1", Secret: "testing123",
		Identifier: "bench", UAMSecret: "uamsecret"}); err != nil {
		b.Fatal(err)
	}
	vis := visitors.New(db, sealer)
	met := radius.NewMetrics(prometheus.NewRegistry())
	auth, err := radius.NewAuthenticator(radius.AuthConfig{Credentials: visitors.NewCachedReader(vis), Sessions: accounting.New(db),
		Plans: reg, DefaultPlan: hotspots.DefaultPlan(), Metrics: met})
	if err != nil {
		b.Fatal(err)
	}
	srv, err := radius.NewServer(radius.ServerConfig{Port: radius.AuthPort, NAS: reg, Handler: auth, Metrics: met})
	if err != nil {
		b.Fatal(err)
	}
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		b.Fatal(err)
	}
	conn.SetReadBuffer(4 << 20)
	go srv.Serve(conn)
	b.Cleanup(func() { srv.Shutdown(context.Background()) })

	p, err := portal.New(portal.Config{NAS: reg, Visitors: vis, DefaultPlan: hotspots.DefaultPlan(),
		Sender: portal.NewOutbox(b.TempDir(), nil),
		Limits: portal.Limits{LoginsPerMinutePerIP: 1 << 30, LoginsPerMinutePerMAC: 1 << 30}})
	if err != nil {
		b.Fatal(err)
	}
	r := mux.NewRouter()
	p.Mount(r)
	hs := httptest.NewServer(r)
	b.Cleanup(hs.Close)
	gw, err := gateway.Start(gateway.Config{PortalURL: hs.URL + "/portal", RADIUSAddr: conn.LocalAddr().String(),
		Secret: "testing123", NASID: "bench", UAMSecret: "uamsecret"})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { gw.Close() })
	return &benchStack{portalURL: hs.URL + "/portal", gw: gw, handler: r}
}

// BenchmarkClickThroughLogin measures complete free logins per second.
// Each of b.N visitors first opens the landing page (untimed); the timed
// part is the portal POST and the gateway's CHAP Access-Request answered.
//
//	go test ./portal -run '^$' -bench ClickThroughLogin -benchtime 4000x -cpu 2
func BenchmarkClickThroughLogin(b *testing.B) {
	// Each waiting visitor keeps its connection from the landing page
	// open, as a phone does, so the run needs a few sockets per login.
	var lim syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim) == nil && lim.Cur < lim.Max {
		lim.Cur = min(lim.Max, 1<<20)
		syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
	}
	if need := uint64(4*b.N + 1000); lim.Cur < need {
		b.Skipf("needs %d open files, the limit is %d", need, lim.Cur)
	}
	s := newBenchStack(b)
	phones := make(chan *portalload.Phone, b.N)
	var wg sync.WaitGroup
	var failed atomic.Int64
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for n := w; n < b.N; n += 16 {
				v := portalload.NewPhone(n)
				if err := v.Land(context.Background(), s.gw, fmt.Sprintf("02:00:00:%02x:%02x:%02x", byte(n>>16), byte(n>>8), byte(n))); err != nil {
					failed.Add(1)
					continue
				}
				phones <- v
			}
		}(w)
	}
	wg.Wait()
	close(phones)
	if failed.Load() > 0 {
		b.Fatalf("%d landings failed", failed.Load())
	}
	b.SetParallelism(64)
	cpu0 := cpuTime()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := (<-phones).Login(context.Background()); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "logins/s")
	// CPU per login, for everything in this process: portal, RADIUS
	// server, store, and also the test gateway and the visitors' clients.
	// On a shared machine this says more than the wall clock.
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "cpu-µs/login")
}

// cpuTime is this process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkLanding is the landing page's own cost, without the network:
//
//	go test ./portal -run '^$' -bench Landing -cpu 1
func BenchmarkLanding(b *testing.B) {
	s := newBenchStack(b)
	v := portalload.NewPhone(1)
	s.gw.Attach(v.IP, "02:00:00:00:00:01")
	to, err := s.gw.RedirectURL(v.IP, "http://example.com/")
	if err != nil {
		b.Fatal(err)
	}
	u, _ := url.Parse(to)
	h := s.handler
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		req := httptest.NewRequest("GET", to, nil)
		req.Host = u.Host
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != 200 {
			b.Fatalf("%d %s", w.Code, w.Body)
		}
	}
}
