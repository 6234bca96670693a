package api_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/mux"
	"golang.org/x/crypto/bcrypt"

	"github.com/wifihk/wifihk/agent/wire/wiretest"
	"github.com/wifihk/wifihk/api"
	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/internal/secrets"
	"github.com/wifihk/wifihk/internal/storetest"
	"github.com/wifihk/wifihk/staff"
	"github.com/wifihk/wifihk/telemetry"
	"github.com/wifihk/wifihk/visitors"
	"github.com/wifihk/wifihk/visitors/orgpki"
	"github.com/wifihk/wifihk/visitors/orgpki/orgpkitest"
)

// fixture is a registry with two organisations, each with a venue, a
// plan, a NAS and an AP, a voucher batch of orgb, a CA orgb imported, and staff of every role,
// served over HTTP with the agents' telemetry.
type fixture struct {
	caB       *sharedCA // imported by orgb
	reg       *hotspots.Registry
	auth      *staff.Service
	telemetry *telemetry.Service
	vouchers  *visitors.Store
	api       *api.API
	srv       *httptest.Server
	now       time.Time         // the telemetry service's clock, fixed
	tokens    map[string]string // by username
	apA       string
	apB       string
	agentA    string // apA's agent token
	agentB    string
	batchB    string // a voucher batch of orgb
	batchNet  string // a network-wide voucher batch (organisation "")
}

func newFixture(t *testing.T) *fixture { return newFixtureWith(t, "") }

// agentModes runs test against a fixture whose telemetry stores each
// report in bbolt in the request's path and one that journals it.
func agentModes(t *testing.T, test func(t *testing.T, f *fixture)) {
	t.Run("bbolt", func(t *testing.T) { test(t, newFixture(t)) })
	t.Run("journal", func(t *testing.T) {
		test(t, newFixtureWith(t, filepath.Join(t.TempDir(), "reports.journal")))
	})
}

// newFixtureWith's telemetry journals reports at journalPath, if set.
func newFixtureWith(t *testing.T, journalPath string) *fixture {
	t.Helper()
	sealer, _ := secrets.New(bytes.Repeat([]byte{1}, 32))
	db := storetest.Open(t)
	reg, err := hotspots.New(db, sealer)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{reg: reg, now: time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC), tokens: map[string]string{}}
	f.telemetry, err = telemetry.New(telemetry.Config{DB: db, JournalPath: journalPath, Now: func() time.Time { return f.now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { // before the store closes
		if err := f.telemetry.Close(); err != nil {
			t.Error(err)
		}
	})
	vis := visitors.New(db, sealer)
	f.vouchers = vis
	f.auth = staff.New(db, staff.Options{BcryptCost: bcrypt.MinCost})
	f.api, err = api.New(api.Config{Registry: reg, Auth: f.auth, CoverageTarget: 1, Telemetry: f.telemetry, Vouchers: vis, ClientCAs: vis})
	if err != nil {
		t.Fatal(err)
	}
	for i, org := range []string{"orga", "orgb"} {
		must(t, errOf(reg.AddOrg(hotspots.Org{Code: org, NameEN: "Org " + org})))
		must(t, errOf(reg.AddPlan(hotspots.Plan{Name: "plan-" + org, Kind: hotspots.PlanFree, Org: org})))
		must(t, errOf(reg.AddVenue(hotspots.Venue{Org: org, LocationID: "V1", NameEN: "Venue of " + org,
			TypeEN: "Library", Latitude: 22.28 + float64(i)/100, Longitude: 114.15, Hotspots: 2, Plan: "plan-" + org})))
		must(t, errOf(reg.AddNAS(hotspots.NASInput{Name: "nas-" + org, IP: "10.0.0." + string(rune('1'+i)),
			Secret: "secret-" + org, Hotspot: hotspots.MakeVenueKey(org, "V1")})))
		must(t, errOf(reg.AddRealm(hotspots.RealmInput{Name: org[3:] + ".example", Org: org, Servers: []hotspots.HomeServerInput{
			{Address: "192.0.2.1:1812", Secret: "home-" + org, Retries: 1}}})))
		ap, agent, err := reg.AddAP(hotspots.MakeVenueKey(org, "V1"), "ap", "02:00:00:00:00:0"+string(rune('1'+i)))
		if err != nil {
			t.Fatal(err)
		}
		if org == "orga" {
			f.apA, f.agentA = ap.ID, agent
		} else {
			f.apB, f.agentB = ap.ID, agent
			b, err := vis.CreateVouchers(visitors.VoucherSpec{Count: 2, Duration: time.Hour, Uses: 1, Org: org, CreatedBy: "test"})
			if err != nil {
				t.Fatal(err)
			}
			f.batchB = b.ID
		}
	}
	caB := outsideCA(t)
	must(t, errOf(vis.ImportCA("orgb", caB.ca.PEM, orgpki.Rule{Field: orgpki.FieldCN})))
	f.caB = caB
	must(t, errOf(reg.AddPlan(hotspots.Plan{Name: "network", Kind: hotspots.PlanFree})))
	net, err := vis.CreateVouchers(visitors.VoucherSpec{Count: 2, Duration: time.Hour, Uses: 1, CreatedBy: "test"})
	if err != nil {
		t.Fatal(err)
	}
	f.batchNet = net.ID
	for _, s := range []staff.StaffInput{
		{Username: "admin", Role: staff.RoleAdmin, Password: "admin password"},
		{Username: "opa", Role: staff.RoleOperator, Org: "orga", Password: "operator password"},
		{Username: "viewer", Role: staff.RoleViewer},
		{Username: "viewera", Role: staff.RoleViewer, Org: "orga"},
	} {
		_, token, err := f.auth.AddStaff(s)
		if err != nil {
			t.Fatal(err)
		}
		f.tokens[s.Username] = token
	}
	r := mux.NewRouter()
	f.api.Mount(r)
	f.srv = httptest.NewServer(r)
	t.Cleanup(f.srv.Close)
	return f
}

func errOf[T any](_ T, err error) error { return err }

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// do sends a request as who ("" for nobody) with body as JSON.
func (f *fixture) do(t *testing.T, who, method, path string, body any) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		if s, ok := body.(string); ok {
			rd = strings.NewReader(s)
		} else {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
	}
	req, _ := http.NewRequest(method, f.srv.URL+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if who != "" {
		req.Header.Set("Authorization", "Bearer "+f.tokens[who])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b
}

// post sends a report body as an agent would and returns the answer.
func (f *fixture) post(t *testing.T, token string, body []byte, encoding string) (int, string) {
	t.Helper()
	return wiretest.Post(t, f.srv.URL, token, body, encoding)
}

// sharedCA is an outside CA (an organisation's own PKI) with a current
// CRL, the same in every fixture so that scope cases can name its id.
type sharedCA struct {
	ca  *orgpkitest.CA
	id  string // SHA-256 of its certificate, hex
	crl []byte // DER
}

var (
	outsideOnce sync.Once
	outside     *sharedCA
)

func outsideCA(t testing.TB) *sharedCA {
	outsideOnce.Do(func() {
		ca := orgpkitest.New(t, "Org B's own CA")
		sum := sha256.Sum256(ca.Cert.Raw)
		now := time.Now()
		outside = &sharedCA{ca: ca, id: hex.EncodeToString(sum[:]), crl: ca.CRL(t, 1, now.Add(-time.Minute), now.Add(24*time.Hour))}
	})
	return outside
}
