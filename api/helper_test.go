package api_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gorilla/mux"
	"golang.org/x/crypto/bcrypt"

	"github.com/wifihk/wifihk/api"
	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/internal/secrets"
	"github.com/wifihk/wifihk/internal/storetest"
	"github.com/wifihk/wifihk/staff"
)

// fixture is a registry with two organisations, each with a venue, a
// plan, a NAS and an AP, and staff of every role, served over HTTP.
type fixture struct {
	reg    *hotspots.Registry
	auth   *staff.Service
	api    *api.API
	srv    *httptest.Server
	tokens map[string]string // by username
	apA    string
	apB    string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	sealer, _ := secrets.New(bytes.Repeat([]byte{1}, 32))
	db := storetest.Open(t)
	reg, err := hotspots.New(db, sealer)
	if err != nil {
		t.Fatal(err)
	}
	svc := staff.New(db, staff.Options{BcryptCost: bcrypt.MinCost})
	api, err := api.New(api.Config{Registry: reg, Auth: svc, CoverageTarget: 1})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{reg: reg, auth: svc, api: api, tokens: map[string]string{}}
	for i, org := range []string{"orga", "orgb"} {
		must(t, errOf(reg.AddOrg(hotspots.Org{Code: org, NameEN: "Org " + org})))
		must(t, errOf(reg.AddPlan(hotspots.Plan{Name: "plan-" + org, Kind: hotspots.PlanFree, Org: org})))
		must(t, errOf(reg.AddVenue(hotspots.Venue{Org: org, LocationID: "V1", NameEN: "Venue of " + org,
			TypeEN: "Library", Latitude: 22.28 + float64(i)/100, Longitude: 114.15, Hotspots: 2, Plan: "plan-" + org})))
		must(t, errOf(reg.AddNAS(hotspots.NASInput{Name: "nas-" + org, IP: "10.0.0." + string(rune('1'+i)),
			Secret: "secret-" + org, Hotspot: org + "/V1"})))
		ap, _, err := reg.AddAP(org+"/V1", "ap", "02:00:00:00:00:0"+string(rune('1'+i)))
		if err != nil {
			t.Fatal(err)
		}
		if org == "orga" {
			f.apA = ap.ID
		} else {
			f.apB = ap.ID
		}
	}
	must(t, errOf(reg.AddPlan(hotspots.Plan{Name: "network", Kind: hotspots.PlanFree})))
	for _, s := range []staff.StaffInput{
		{Username: "admin", Role: staff.RoleAdmin, Password: "admin password"},
		{Username: "opa", Role: staff.RoleOperator, Org: "orga", Password: "operator password"},
		{Username: "viewer", Role: staff.RoleViewer},
		{Username: "viewera", Role: staff.RoleViewer, Org: "orga"},
	} {
		_, token, err := svc.AddStaff(s)
		if err != nil {
			t.Fatal(err)
		}
		f.tokens[s.Username] = token
	}
	r := mux.NewRouter()
	api.Mount(r)
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
