package api_test

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
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
)

// An agent whose token cannot be looked up because the registry's store
// fails is told to retry (503), not that its token is wrong (401).
func TestAgentTokenLookupFailureIs503(t *testing.T) {
	regDB, faults := storetest.OpenFaulty(t)
	sealer, _ := secrets.New(bytes.Repeat([]byte{1}, 32))
	reg, err := hotspots.New(regDB, sealer)
	if err != nil {
		t.Fatal(err)
	}
	must(t, errOf(reg.AddOrg(hotspots.Org{Code: "orga"})))
	must(t, errOf(reg.AddVenue(hotspots.Venue{Org: "orga", LocationID: "V1", NameEN: "V", TypeEN: "Library",
		Latitude: 22.28, Longitude: 114.15, Hotspots: 1})))
	_, token, err := reg.AddAP("orga/V1", "ap", "02:00:00:00:00:01")
	if err != nil {
		t.Fatal(err)
	}
	db := storetest.Open(t)
	svc, err := telemetry.New(telemetry.Config{DB: db})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close() })
	auth := staff.New(db, staff.Options{BcryptCost: bcrypt.MinCost})
	_, admin, err := auth.AddStaff(staff.StaffInput{Username: "admin", Role: staff.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	a, err := api.New(api.Config{Registry: reg, Auth: auth, Telemetry: svc})
	if err != nil {
		t.Fatal(err)
	}
	r := mux.NewRouter()
	a.Mount(r)
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)

	faults.Fail(errors.New("connection lost")) // the registry's store fails from now on
	body := wiretest.Gzip(wiretest.Report(1, time.Now(), 1).AppendJSON(nil))
	code, msg := wiretest.Post(t, srv.URL, token, body, "gzip")
	if code != http.StatusServiceUnavailable || strings.Contains(msg, "unknown agent token") {
		t.Fatalf("agent report: got %d %s, want 503", code, msg)
	}
	// Staff routes answer a store failure with 503 too, not 500.
	req, _ := http.NewRequest("GET", srv.URL+"/api/v1/orgs", nil)
	req.Header.Set("Authorization", "Bearer "+admin)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("GET /api/v1/orgs: got %d, want 503", res.StatusCode)
	}
}
