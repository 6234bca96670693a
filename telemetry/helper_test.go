package telemetry_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/mux"
	"golang.org/x/crypto/bcrypt"

	"github.com/wifihk/wifihk/agent/wire"
	"github.com/wifihk/wifihk/agent/wire/wiretest"
	"github.com/wifihk/wifihk/api"
	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/internal/secrets"
	"github.com/wifihk/wifihk/internal/store"
	"github.com/wifihk/wifihk/internal/storetest"
	"github.com/wifihk/wifihk/staff"
	"github.com/wifihk/wifihk/telemetry"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// fixture is a controller with two organisations, an AP in each, and staff.
type fixture struct {
	db       *store.DB
	reg      *hotspots.Registry
	cfg      telemetry.Config // svc's, for a restart
	svc      *telemetry.Service
	srv      *httptest.Server
	clock    *clock
	apA, apB hotspots.AP
	tokA     string // agent token of apA
	tokB     string
	admin    string // staff API tokens
	opB      string // operator of orgb
}

// bothModes runs test against a fixture that stores each report in bbolt
// in the request's path and against one that journals it.
func bothModes(t *testing.T, test func(t *testing.T, f *fixture)) {
	t.Run("bbolt", func(t *testing.T) { test(t, newFixture(t)) })
	t.Run("journal", func(t *testing.T) {
		test(t, newFixtureWith(t, filepath.Join(t.TempDir(), "reports.journal")))
	})
}

// newFixture's service stores each report in bbolt in the request's path.
func newFixture(t testing.TB) *fixture { return newFixtureWith(t, "") }

// newFixtureWith's service journals reports at journalPath, if set.
func newFixtureWith(t testing.TB, journalPath string) *fixture {
	t.Helper()
	db := storetest.Open(t)
	sealer, err := secrets.New(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	reg, err := hotspots.New(db, sealer)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{db: db, reg: reg, clock: &clock{t: time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)}}
	for i, org := range []string{"orga", "orgb"} {
		if _, err := reg.AddOrg(hotspots.Org{Code: org, NameEN: org}); err != nil {
			t.Fatal(err)
		}
		if _, err := reg.AddVenue(hotspots.Venue{Org: org, LocationID: "V1", NameEN: "Venue", TypeEN: "Library",
			Latitude: 22.28, Longitude: 114.15, Hotspots: 1}); err != nil {
			t.Fatal(err)
		}
		ap, tok, err := reg.AddAP(hotspots.MakeVenueKey(org, "V1"), "ap", "02:00:00:00:01:0"+string(rune('1'+i)))
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			f.apA, f.tokA = ap, tok
		} else {
			f.apB, f.tokB = ap, tok
		}
	}
	staffSvc := staff.New(db, staff.Options{BcryptCost: bcrypt.MinCost})
	if _, f.admin, err = staffSvc.AddStaff(staff.StaffInput{Username: "admin", Role: staff.RoleAdmin}); err != nil {
		t.Fatal(err)
	}
	if _, f.opB, err = staffSvc.AddStaff(staff.StaffInput{Username: "opb", Role: staff.RoleOperator, Org: "orgb"}); err != nil {
		t.Fatal(err)
	}
	f.cfg = telemetry.Config{DB: db, Now: f.clock.Now, JournalPath: journalPath}
	f.svc = f.open(t)
	// The HTTP routes are api's; the tests here send reports through them
	// as agents do.
	agents, err := api.NewTelemetry(api.TelemetryConfig{Service: f.svc, APs: reg, Staff: staffSvc})
	if err != nil {
		t.Fatal(err)
	}
	r := mux.NewRouter()
	agents.Mount(r)
	f.srv = httptest.NewServer(r)
	t.Cleanup(f.srv.Close)
	return f
}

// open starts a service with f.cfg, closed at cleanup (before the DB).
func (f *fixture) open(t testing.TB) *telemetry.Service {
	t.Helper()
	svc, err := telemetry.New(f.cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := svc.Close(); err != nil {
			t.Error(err)
		}
	})
	return svc
}

// restart closes the service and starts another on the same DB (and
// journal), as a restarted controller would. f.svc, which the HTTP
// server calls, is left closed.
func (f *fixture) restart(t testing.TB) *telemetry.Service {
	t.Helper()
	if err := f.svc.Close(); err != nil {
		t.Fatal(err)
	}
	return f.open(t)
}

// report is a valid report with n clients.
func report(seq uint64, end time.Time, n int) *wire.Report { return wiretest.Report(seq, end, n) }

func gz(t testing.TB, raw []byte) []byte { return wiretest.Gzip(raw) }

// post sends a body as an agent would and returns the status and body.
func (f *fixture) post(t testing.TB, token string, body []byte, encoding string) (int, string) {
	t.Helper()
	return wiretest.Post(t, f.srv.URL, token, body, encoding)
}

func (f *fixture) send(t testing.TB, token string, r *wire.Report) (int, string) {
	return f.post(t, token, gz(t, r.AppendJSON(nil)), "gzip")
}

func (f *fixture) get(t testing.TB, token, path string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, f.srv.URL+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out bytes.Buffer
	out.ReadFrom(res.Body)
	return res.StatusCode, out.String()
}
