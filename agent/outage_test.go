package agent_test

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/gorilla/mux"

	"github.com/wifihk/wifihk/agent"
	"github.com/wifihk/wifihk/api"
	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/internal/secrets"
	"github.com/wifihk/wifihk/internal/store"
	"github.com/wifihk/wifihk/staff"
	"github.com/wifihk/wifihk/telemetry"
)

// chanSource is a live-like Source fed by the test; it blocks until a
// frame comes or it is closed.
type chanSource struct {
	frames chan []byte
	done   chan struct{}
	once   sync.Once
}

func newChanSource() *chanSource {
	return &chanSource{frames: make(chan []byte, 100), done: make(chan struct{})}
}

func (s *chanSource) ZeroCopyReadPacketData() ([]byte, gopacket.CaptureInfo, error) {
	select {
	case f := <-s.frames:
		return f, gopacket.CaptureInfo{Timestamp: time.Now(), Length: len(f), CaptureLength: len(f)}, nil
	case <-s.done:
		return nil, gopacket.CaptureInfo{}, net.ErrClosed
	}
}

func (s *chanSource) Close() error { s.once.Do(func() { close(s.done) }); return nil }

// realController is the controller's telemetry over a real store, with
// its report journal as the controller runs it, which can be stopped and
// started again on the same address.
type realController struct {
	t    *testing.T
	dir  string
	addr string
	db   *store.DB
	svc  *telemetry.Service
	srv  *http.Server
	tok  string
	apID string
}

func newRealController(t *testing.T) *realController {
	c := &realController{t: t, dir: t.TempDir()}
	c.open()
	reg, err := hotspots.New(c.db, c.sealer())
	if err != nil {
		t.Fatal(err)
	}
	reg.AddOrg(hotspots.Org{Code: "lcsd", NameEN: "LCSD"})
	if _, err := reg.AddVenue(hotspots.Venue{Org: "lcsd", LocationID: "PARK1", NameEN: "Park", TypeEN: "Park",
		Latitude: 22.3, Longitude: 114.2, Hotspots: 1}); err != nil {
		t.Fatal(err)
	}
	ap, tok, err := reg.AddAP("lcsd/PARK1", "beach-ap", "02:aa:00:00:00:01")
	if err != nil {
		t.Fatal(err)
	}
	c.tok, c.apID = tok, ap.ID
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c.addr = ln.Addr().String()
	c.serve(ln)
	t.Cleanup(c.stop)
	return c
}

func (c *realController) sealer() *secrets.Sealer {
	s, err := secrets.New(bytes.Repeat([]byte{1}, 32))
	if err != nil {
		c.t.Fatal(err)
	}
	return s
}

func (c *realController) open() {
	db, err := store.Open(c.dir, store.Options{})
	if err != nil {
		c.t.Fatal(err)
	}
	c.db = db
	jpath := filepath.Join(c.dir, "reports.journal") // controller.ReportJournalPath
	if c.svc, err = telemetry.New(telemetry.Config{DB: db, JournalPath: jpath}); err != nil {
		c.t.Fatal(err)
	}
}

func (c *realController) serve(ln net.Listener) {
	reg, err := hotspots.New(c.db, c.sealer())
	if err != nil {
		c.t.Fatal(err)
	}
	agents, err := api.NewTelemetry(api.TelemetryConfig{Service: c.svc, APs: reg, Staff: staff.New(c.db, staff.Options{})})
	if err != nil {
		c.t.Fatal(err)
	}
	r := mux.NewRouter()
	agents.Mount(r)
	c.srv = &http.Server{Handler: r}
	go c.srv.Serve(ln)
}

// stop shuts the controller down: connections are refused.
func (c *realController) stop() {
	if c.srv == nil {
		return
	}
	c.srv.Close()
	c.svc.Close()
	c.db.Close()
	c.srv = nil
}

// start brings it back on the same address, from the same data dir.
func (c *realController) start() {
	c.open()
	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		c.t.Fatalf("controller back on %s: %v", c.addr, err)
	}
	c.serve(ln)
}

func TestOutageSpoolsAndDeliversInOrderOnce(t *testing.T) {
	const n = 5
	ctl := newRealController(t)
	ctl.stop()

	cfg := agent.DefaultConfig()
	cfg.Controller, cfg.Token, cfg.Iface = "http://"+ctl.addr, ctl.tok, "test0"
	cfg.SpoolDir = filepath.Join(t.TempDir(), "spool")
	cfg.Interval = 20 * time.Millisecond
	cfg.BackoffMin, cfg.BackoffMax = 5*time.Millisecond, 20*time.Millisecond
	cfg.Timeout = 2 * time.Second
	cfg.ProcRoot = t.TempDir()

	// First run: the controller is down; the agent spools n reports.
	spooled := make(chan uint64, 100)
	ctx, cancel := context.WithCancel(context.Background())
	a, err := agent.New(cfg, agent.Options{Source: newChanSource(), Observe: func(e agent.Event) {
		switch e.Outcome {
		case "spooled":
			spooled <- e.Seq
		case "delivered", "refused":
			t.Errorf("report %d %s while the controller is down", e.Seq, e.Outcome)
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	runDone := make(chan error, 1)
	go func() { runDone <- a.Run(ctx) }()
	var seqs []uint64
	deadline := time.After(10 * time.Second)
	for len(seqs) < n {
		select {
		case s := <-spooled:
			seqs = append(seqs, s)
		case <-deadline:
			t.Fatalf("only %d reports spooled", len(seqs))
		}
	}
	cancel() // the agent stops; its last partial report is spooled too
	if err := <-runDone; err != nil {
		t.Fatal(err)
	}
	for len(spooled) > 0 {
		seqs = append(seqs, <-spooled)
	}
	files, _ := filepath.Glob(filepath.Join(cfg.SpoolDir, "r-*"))
	if len(files) != len(seqs) {
		t.Fatalf("%d files in the spool, %d reports spooled", len(files), len(seqs))
	}

	firstBody, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}

	// The controller comes back; a new agent process drains the spool.
	ctl.start()
	delivered := make(chan uint64, 1000)
	ctx2, cancel2 := context.WithCancel(context.Background())
	a2, err := agent.New(cfg, agent.Options{Source: newChanSource(), Observe: func(e agent.Event) {
		if e.Outcome == "delivered" {
			delivered <- e.Seq
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	run2 := make(chan error, 1)
	go func() { run2 <- a2.Run(ctx2) }()
	var got []uint64
	deadline = time.After(10 * time.Second)
	for len(got) < len(seqs) {
		select {
		case s := <-delivered:
			got = append(got, s)
		case <-deadline:
			t.Fatalf("delivered %d of %d spooled reports", len(got), len(seqs))
		}
	}
	cancel2()
	if err := <-run2; err != nil {
		t.Fatal(err)
	}
	for len(delivered) > 0 {
		got = append(got, <-delivered)
	}
	for i := range seqs {
		if got[i] != seqs[i] {
			t.Fatalf("delivered %v, want the spooled %v first, in order", got, seqs)
		}
	}
	for i := 1; i < len(got); i++ {
		if got[i] <= got[i-1] {
			t.Fatalf("delivered %v: not strictly increasing (a report twice or out of order)", got)
		}
	}
	if left, _ := filepath.Glob(filepath.Join(cfg.SpoolDir, "r-*")); len(left) != 0 {
		t.Fatalf("%d reports left in the spool", len(left))
	}

	// The controller stored each exactly once.
	st, err := ctl.svc.APStatus(ctl.apID)
	if err != nil {
		t.Fatal(err)
	}
	if st.Reports != uint64(len(got)) || st.LastSeq != got[len(got)-1] {
		t.Fatalf("controller stored %d reports up to seq %d; want %d up to %d", st.Reports, st.LastSeq, len(got), got[len(got)-1])
	}
	// A resend after a lost acknowledgement is not counted again.
	req, _ := http.NewRequest(http.MethodPost, cfg.Controller+"/api/v1/agent/reports", bytes.NewReader(firstBody))
	req.Header.Set("Authorization", "Bearer "+ctl.tok)
	req.Header.Set("Content-Encoding", "gzip")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if st2, _ := ctl.svc.APStatus(ctl.apID); res.StatusCode != 200 || st2.Reports != st.Reports {
		t.Fatalf("resend: %d, reports %d -> %d", res.StatusCode, st.Reports, st2.Reports)
	}
}
