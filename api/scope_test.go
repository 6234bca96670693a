package api_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/wifihk/wifihk/agent/wire/wiretest"
	"github.com/wifihk/wifihk/visitors/orgpki/orgpkitest"
)

// scopeCase is a request at org B's data for one route.
type scopeCase struct {
	path string
	body any
	// list routes answer 200 with org A's data only; leak says whether a
	// body shows org B's data.
	list bool
}

// notOrgScoped are routes that act on the caller's own account, on staff
// (admin only, checked separately) or on public data.
var notOrgScoped = map[string]string{
	"POST /api/v1/auth/login":                          "public",
	"POST /api/v1/auth/logout":                         "own session",
	"POST /api/v1/auth/token":                          "own token",
	"GET /api/v1/me":                                   "own account",
	"GET /api/v1/districts":                            "public",
	"GET /api/v1/openapi.yaml":                         "public",
	"GET /api/v1/hotspots/nearest":                     "public",
	"GET /opendata/hotspots.{format:csv|json|geojson}": "public",
	"POST /api/v1/agent/reports":                       "agent token",
}

func scopeCases(t testing.TB, f *fixture) map[string]scopeCase {
	venueB := map[string]any{"organisation_code": "orgb", "location_id": "V3", "name_en": "New", "latitude": 22.3, "longitude": 114.2}
	return map[string]scopeCase{
		"GET /api/v1/orgs":                            {path: "/api/v1/orgs", list: true},
		"POST /api/v1/orgs":                           {path: "/api/v1/orgs", body: map[string]any{"code": "orgc", "name_en": "C"}},
		"GET /api/v1/orgs/{code}":                     {path: "/api/v1/orgs/orgb"},
		"PUT /api/v1/orgs/{code}":                     {path: "/api/v1/orgs/orgb", body: map[string]any{"name_en": "Mine now"}},
		"DELETE /api/v1/orgs/{code}":                  {path: "/api/v1/orgs/orgb"},
		"GET /api/v1/orgs/{code}/client-cas":          {path: "/api/v1/orgs/orgb/client-cas"},
		"POST /api/v1/orgs/{code}/client-cas":         {path: "/api/v1/orgs/orgb/client-cas", body: map[string]any{"certificate": string(orgpkitest.New(t, "new").PEM), "identity": "cn"}},
		"GET /api/v1/orgs/{code}/client-cas/{id}":     {path: "/api/v1/orgs/orgb/client-cas/" + f.caB.id},
		"DELETE /api/v1/orgs/{code}/client-cas/{id}":  {path: "/api/v1/orgs/orgb/client-cas/" + f.caB.id[:16]},
		"PUT /api/v1/orgs/{code}/client-cas/{id}/crl": {path: "/api/v1/orgs/orgb/client-cas/" + f.caB.id + "/crl", body: map[string]any{"crl": f.caB.crl}},
		"GET /api/v1/venues":                          {path: "/api/v1/venues?org=orgb"},
		"POST /api/v1/venues":                         {path: "/api/v1/venues", body: venueB},
		"GET /api/v1/venues/{org}/{id:.+}":            {path: "/api/v1/venues/orgb/V1"},
		"PUT /api/v1/venues/{org}/{id:.+}":            {path: "/api/v1/venues/orgb/V1", body: map[string]any{"name_en": "x", "latitude": 22.3, "longitude": 114.2}},
		"DELETE /api/v1/venues/{org}/{id:.+}":         {path: "/api/v1/venues/orgb/V2"},
		"GET /api/v1/plans":                           {path: "/api/v1/plans", list: true},
		"POST /api/v1/plans":                          {path: "/api/v1/plans", body: map[string]any{"name": "plan-b2", "kind": "free", "org": "orgb"}},
		"GET /api/v1/plans/{name}":                    {path: "/api/v1/plans/plan-orgb"},
		"PUT /api/v1/plans/{name}":                    {path: "/api/v1/plans/plan-orgb", body: map[string]any{"kind": "free", "session_timeout_s": 60}},
		"DELETE /api/v1/plans/{name}":                 {path: "/api/v1/plans/plan-orgb2"},
		"GET /api/v1/nas":                             {path: "/api/v1/nas", list: true},
		"POST /api/v1/nas":                            {path: "/api/v1/nas", body: map[string]any{"name": "nas-b2", "ip": "10.9.0.2", "secret": "secret-b2", "hotspot": "orgb/V1"}},
		"GET /api/v1/nas/{id}":                        {path: "/api/v1/nas/nas-orgb"},
		"PUT /api/v1/nas/{id}":                        {path: "/api/v1/nas/nas-orgb", body: map[string]any{"hotspot": "orga/V1"}},
		"DELETE /api/v1/nas/{id}":                     {path: "/api/v1/nas/nas-orgb"},
		"GET /api/v1/realms":                          {path: "/api/v1/realms", list: true},
		"POST /api/v1/realms":                         {path: "/api/v1/realms", body: map[string]any{"name": "c.example", "org": "orgb", "local": true}},
		"GET /api/v1/realms/{name:.+}":                {path: "/api/v1/realms/b.example"},
		"PUT /api/v1/realms/{name:.+}":                {path: "/api/v1/realms/b.example", body: map[string]any{"name": "b.example", "local": true}},
		"DELETE /api/v1/realms/{name:.+}":             {path: "/api/v1/realms/b.example"},
		"GET /api/v1/aps":                             {path: "/api/v1/aps?org=orgb"},
		"POST /api/v1/aps":                            {path: "/api/v1/aps", body: map[string]any{"hotspot": "orgb/V1", "name": "x", "mac": "02:00:00:00:0b:02"}},
		"GET /api/v1/aps/{id}":                        {path: "/api/v1/aps/" + f.apB},
		"PUT /api/v1/aps/{id}":                        {path: "/api/v1/aps/" + f.apB, body: map[string]any{"name": "renamed"}},
		"DELETE /api/v1/aps/{id}":                     {path: "/api/v1/aps/" + f.apB},
		"GET /api/v1/staff":                           {path: "/api/v1/staff"},
		"POST /api/v1/staff":                          {path: "/api/v1/staff", body: map[string]any{"username": "opb", "role": "operator", "org": "orgb"}},
		"GET /api/v1/staff/{username}":                {path: "/api/v1/staff/viewer"},
		"PUT /api/v1/staff/{username}":                {path: "/api/v1/staff/opa", body: map[string]any{"org": "orgb"}},
		"DELETE /api/v1/staff/{username}":             {path: "/api/v1/staff/viewer"},
		"POST /api/v1/staff/{username}/token":         {path: "/api/v1/staff/viewer/token"},
		"GET /api/v1/audit":                           {path: "/api/v1/audit?org=orgb"},
		"GET /api/v1/coverage":                        {path: "/api/v1/coverage?org=orgb"},
		"POST /api/v1/vouchers":                       {path: "/api/v1/vouchers", body: map[string]any{"count": 1, "duration": "1h", "uses": 1, "org": "orgb"}},
		"GET /api/v1/vouchers/{id}":                   {path: "/api/v1/vouchers/" + f.batchB},
		"GET /api/v1/aps/{id}/status":                 {path: "/api/v1/aps/" + f.apB + "/status"},
		"GET /api/v1/aps/{id}/series":                 {path: "/api/v1/aps/" + f.apB + "/series"},
		"GET /api/v1/telemetry/series":                {path: "/api/v1/telemetry/series?venue=orgb/V1"},
		"GET /api/v1/alerts":                          {path: "/api/v1/alerts", list: true},
	}
}

// TestOperatorCannotTouchAnotherOrg sends, for every route of the API, a
// request at org B's data as org A's operator and expects 403 or 404 (or,
// for lists, nothing of org B); the same request as an admin must then
// succeed, which shows the refusal came from the scope.
func TestOperatorCannotTouchAnotherOrg(t *testing.T) {
	f0 := newFixture(t)
	cases := scopeCases(t, f0)
	for _, rt := range f0.api.Routes() {
		key := rt.Method + " " + rt.Path
		if _, ok := notOrgScoped[key]; ok {
			continue
		}
		tc, ok := cases[key]
		if !ok {
			t.Errorf("route %s has no scoping case: add one", key)
			continue
		}
		t.Run(key, func(t *testing.T) {
			f := newFixture(t)
			// Things the delete cases remove, made by an admin first.
			f.do(t, "admin", "POST", "/api/v1/venues", map[string]any{"organisation_code": "orgb", "location_id": "V2", "name_en": "B2", "latitude": 22.3, "longitude": 114.2})
			f.do(t, "admin", "POST", "/api/v1/plans", map[string]any{"name": "plan-orgb2", "kind": "free", "org": "orgb"})
			if key == "DELETE /api/v1/orgs/{code}" { // an organisation must be empty to go
				f.emptyOrgB(t)
			}
			if key == "GET /api/v1/alerts" { // an alert of orgb's AP to hide
				f.offlineAlert(t)
			}
			code, body := f.do(t, "opa", rt.Method, tc.path, tc.body)
			switch {
			case tc.list:
				if code != 200 || strings.Contains(string(body), "orgb") {
					t.Fatalf("operator of orga listing: %d %s", code, body)
				}
			case code != 403 && code != 404:
				t.Fatalf("operator of orga: got %d %s, want 403 or 404", code, body)
			}
			if code, body := f.do(t, "admin", rt.Method, tc.path, tc.body); code >= 300 {
				t.Fatalf("admin: got %d %s; the case is not a valid request", code, body)
			}
		})
	}
}

// TestNetworkVoucherBatchesAreAdminsOnly reads a network-wide voucher
// batch (organisation "") on every route that shows a batch: operators
// and viewers, of an organisation or of the whole network, get 404, as
// for another organisation's batch; admins read it.
func TestNetworkVoucherBatchesAreAdminsOnly(t *testing.T) {
	f := newFixture(t)
	n := 0
	for _, rt := range f.api.Routes() {
		if rt.Method != "GET" || !strings.HasPrefix(rt.Path, "/api/v1/vouchers/{id}") {
			continue
		}
		n++
		path := strings.Replace(rt.Path, "{id}", f.batchNet, 1)
		for _, who := range []string{"opa", "viewera", "viewer"} {
			if code, body := f.do(t, who, "GET", path, nil); code != 404 {
				t.Errorf("%s: GET %s: %d %s, want 404", who, path, code, body)
			}
		}
		if code, body := f.do(t, "admin", "GET", path, nil); code != 200 {
			t.Errorf("admin: GET %s: %d %s", path, code, body)
		}
	}
	if n == 0 {
		t.Fatal("no route shows a voucher batch")
	}
}

func (f *fixture) emptyOrgB(t *testing.T) {
	for _, p := range []string{"/api/v1/aps/" + f.apB, "/api/v1/nas/nas-orgb", "/api/v1/venues/orgb/V1",
		"/api/v1/venues/orgb/V2", "/api/v1/plans/plan-orgb", "/api/v1/plans/plan-orgb2"} {
		if code, body := f.do(t, "admin", "DELETE", p, nil); code != 204 {
			t.Fatalf("emptying orgb: DELETE %s: %d %s", p, code, body)
		}
	}
}

// offlineAlert has org B's AP report once and then fall silent, which
// raises an offline alert.
func (f *fixture) offlineAlert(t *testing.T) {
	t.Helper()
	if code, body := f.post(t, f.agentB, wiretest.Report(1, f.now, 1).AppendJSON(nil), ""); code != 200 {
		t.Fatalf("report: %d %s", code, body)
	}
	f.now = f.now.Add(time.Hour)
	if err := f.telemetry.CheckOffline(); err != nil {
		t.Fatal(err)
	}
	if _, body := f.do(t, "admin", "GET", "/api/v1/alerts", nil); !strings.Contains(string(body), "orgb/V1") {
		t.Fatalf("no alert of orgb's AP: %s", body)
	}
}

func TestOperatorSeesAndChangesOwnOrg(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct {
		method, path string
		body         any
		want         int
	}{
		{"GET", "/api/v1/venues/orga/V1", nil, 200},
		{"PUT", "/api/v1/venues/orga/V1", map[string]any{"name_en": "Renamed", "latitude": 22.28, "longitude": 114.15, "plan": "network"}, 200},
		{"PUT", "/api/v1/venues/orga/V1", map[string]any{"name_en": "R", "latitude": 22.28, "longitude": 114.15, "plan": "plan-orgb"}, 422},
		{"POST", "/api/v1/plans", map[string]any{"name": "mine", "kind": "free"}, 201},
		{"PUT", "/api/v1/plans/network", map[string]any{"kind": "free"}, 403},
		{"POST", "/api/v1/nas", map[string]any{"name": "wide", "ip": "10.0.0.0/8", "secret": "secret-x", "hotspot": "orga/V1"}, 422},
		{"PUT", "/api/v1/nas/nas-orga", map[string]any{"hotspot": "orgb/V1"}, 404},
		{"POST", "/api/v1/aps", map[string]any{"hotspot": "orga/V1", "name": "new", "mac": "02-00-00-00-0a-09"}, 201},
		{"GET", "/api/v1/staff", nil, 403},
	} {
		if code, body := f.do(t, "opa", tc.method, tc.path, tc.body); code != tc.want {
			t.Errorf("%s %s: got %d %s, want %d", tc.method, tc.path, code, body, tc.want)
		}
	}
	_, body := f.do(t, "opa", "GET", "/api/v1/plans/mine", nil)
	var p struct{ Org string }
	json.Unmarshal(body, &p)
	if p.Org != "orga" {
		t.Errorf("an operator's new plan belongs to %q, want orga", p.Org)
	}
	// The audit log shows what the operator did, to the operator.
	_, body = f.do(t, "opa", "GET", "/api/v1/audit", nil)
	if !strings.Contains(string(body), `"actor":"staff:opa"`) || !strings.Contains(string(body), "venue.update") || strings.Contains(string(body), "orgb") {
		t.Errorf("audit: %s", body)
	}
}

func TestViewersOnlyRead(t *testing.T) {
	f := newFixture(t)
	for _, who := range []string{"viewer", "viewera"} {
		if code, _ := f.do(t, who, "GET", "/api/v1/venues/orga/V1", nil); code != 200 {
			t.Errorf("%s read: %d", who, code)
		}
		if code, _ := f.do(t, who, "PUT", "/api/v1/orgs/orga", map[string]any{"name_en": "x"}); code != 403 {
			t.Errorf("%s write: %d, want 403", who, code)
		}
	}
	if code, _ := f.do(t, "viewera", "GET", "/api/v1/venues/orgb/V1", nil); code != 404 {
		t.Errorf("scoped viewer read of orgb: %d, want 404", code)
	}
	if code, _ := f.do(t, "viewer", "GET", "/api/v1/venues/orgb/V1", nil); code != 200 {
		t.Errorf("network viewer read of orgb: %d, want 200", code)
	}
	if code, _ := f.do(t, "", "GET", "/api/v1/venues", nil); code != 401 {
		t.Errorf("anonymous: %d, want 401", code)
	}
}
