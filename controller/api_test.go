package controller_test

import (
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strings"
	"testing"

	"github.com/wifihk/wifihk/staff"
)

// On the assembled server every /api/v1 error, from each package that once
// served part of it and for paths and methods no route takes, is a Problem
// (error code and message); other paths keep their plain answers.
func TestEveryAPIErrorIsAProblem(t *testing.T) {
	a := startDemo(t)
	base := "http://" + a.HTTPAddr.String()
	for _, tc := range []struct {
		method, path string
		status       int
	}{
		{"GET", "/api/v1/orgs", 401},                   // registry
		{"GET", "/api/v1/vouchers/vb-1", 401},          // vouchers (was portal)
		{"POST", "/api/v1/agent/reports", 401},         // agent ingest (was telemetry)
		{"GET", "/api/v1/aps/ap-1/status", 401},        // AP status (was telemetry)
		{"GET", "/api/v1/alerts", 401},                 // alerts (was telemetry)
		{"GET", "/api/v1/no/such/route", 404},          // no route
		{"DELETE", "/api/v1/me", 405},                  // no such method
		{"PATCH", "/api/v1/agent/reports", 405},        // no such method
		{"GET", "/api/v1/hotspots/nearest?lat=x", 422}, // public
	} {
		req, _ := http.NewRequest(tc.method, base+tc.path, strings.NewReader("{}"))
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		var p struct {
			Error, Message string
		}
		mt, _, _ := mime.ParseMediaType(res.Header.Get("Content-Type"))
		if res.StatusCode != tc.status || mt != "application/json" || json.Unmarshal(body, &p) != nil || p.Error == "" || p.Message == "" {
			t.Errorf("%s %s: got %d %s %s, want %d and a Problem", tc.method, tc.path, res.StatusCode, mt, body, tc.status)
		}
		if res.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s %s: no nosniff header", tc.method, tc.path)
		}
	}
	res, err := http.Get(base + "/no/such/page")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if mt, _, _ := mime.ParseMediaType(res.Header.Get("Content-Type")); res.StatusCode != 404 || mt == "application/json" {
		t.Errorf("outside the API: %d %s, want a plain 404", res.StatusCode, mt)
	}
}

// The assembled server makes voucher batches through the API and prints
// them, as the portal's test of its voucher API did before api took it.
func TestVoucherAPIServed(t *testing.T) {
	a := startDemo(t)
	_, token, err := a.Staff.AddStaff(staff.StaffInput{Username: "ops", Role: staff.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	call := func(method, path, body, accept string) (int, string) {
		req, _ := http.NewRequest(method, "http://"+a.HTTPAddr.String()+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", accept)
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	code, body := call("POST", "/api/v1/vouchers", `{"count":3,"duration":"45m","uses":2,"data_cap_mb":200}`, "application/json")
	var b struct {
		ID    string   `json:"id"`
		Codes []string `json:"codes"`
	}
	if json.Unmarshal([]byte(body), &b); code != 201 || len(b.Codes) != 3 {
		t.Fatalf("create: %d %s", code, body)
	}
	if code, body := call("GET", "/api/v1/vouchers/"+b.ID, "", "application/json"); code != 200 || strings.Contains(body, b.Codes[2]) {
		t.Fatalf("get: %d %s", code, body)
	}
	code, page := call("POST", "/api/v1/vouchers", `{"count":3,"duration":"45m","uses":2}`, "text/html")
	if code != 201 || strings.Count(page, `<p class="vcode">`) != 3 {
		t.Fatalf("print: %d\n%s", code, page)
	}
}
