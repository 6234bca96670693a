package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

func TestValidationNamesTheField(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct {
		name, method, path string
		body               any
		status             int
		field              string
	}{
		{"latitude", "POST", "/api/v1/venues", map[string]any{"organisation_code": "orga", "location_id": "X", "name_en": "x", "latitude": 1.5, "longitude": 114.1}, 422, "latitude"},
		{"missing name", "POST", "/api/v1/venues", map[string]any{"organisation_code": "orga", "location_id": "X", "latitude": 22.3, "longitude": 114.1}, 422, "name_en"},
		{"district", "POST", "/api/v1/venues", map[string]any{"organisation_code": "orga", "location_id": "X", "name_en": "x", "district": "Gotham", "latitude": 22.3, "longitude": 114.1}, 422, "district"},
		{"unknown field", "POST", "/api/v1/venues", map[string]any{"organisation_code": "orga", "colour": "red"}, 422, "colour"},
		{"wrong type", "POST", "/api/v1/venues", map[string]any{"organisation_code": "orga", "latitude": "north"}, 422, "latitude"},
		{"plan kind", "POST", "/api/v1/plans", map[string]any{"name": "p", "kind": "gratis"}, 422, "kind"},
		{"plan timeout", "POST", "/api/v1/plans", map[string]any{"name": "p", "kind": "free_timed"}, 422, "session_timeout_s"},
		{"nas secret", "POST", "/api/v1/nas", map[string]any{"name": "n", "ip": "10.1.1.1", "secret": "x"}, 422, "secret"},
		{"ap mac", "POST", "/api/v1/aps", map[string]any{"hotspot": "orga/V1", "name": "a", "mac": "zz"}, 422, "mac"},
		{"staff role", "POST", "/api/v1/staff", map[string]any{"username": "bob", "role": "king"}, 422, "role"},
		{"org email", "POST", "/api/v1/orgs", map[string]any{"code": "x", "support_email": "nope"}, 422, "support_email"},
		{"per_page", "GET", "/api/v1/venues?per_page=100000", nil, 422, "per_page"},
		{"nearest lat", "GET", "/api/v1/hotspots/nearest?lat=abc&lon=114", nil, 422, "lat"},
		{"nearest n", "GET", "/api/v1/hotspots/nearest?lat=22.3&lon=114&n=1000", nil, 422, "n"},
		{"trailing", "POST", "/api/v1/orgs", `{"code":"x"} {"code":"y"}`, 400, ""},
		{"not json", "POST", "/api/v1/orgs", `code=x`, 400, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := f.do(t, "admin", tc.method, tc.path, tc.body)
			var p struct{ Field, Message string }
			json.Unmarshal(body, &p)
			if code != tc.status || p.Field != tc.field || p.Message == "" {
				t.Fatalf("got %d %s, want %d naming %q", code, body, tc.status, tc.field)
			}
		})
	}
}

func TestBodyLimit(t *testing.T) {
	f := newFixture(t)
	big := fmt.Sprintf(`{"code":"x","name_en":%q}`, strings.Repeat("a", 70<<10))
	if code, body := f.do(t, "admin", "POST", "/api/v1/orgs", big); code != http.StatusRequestEntityTooLarge {
		t.Fatalf("got %d %s, want 413", code, body)
	}
}

func TestPaginationAndFilters(t *testing.T) {
	f := newFixture(t)
	for i := 0; i < 7; i++ {
		v := map[string]any{"organisation_code": "orga", "location_id": fmt.Sprintf("P%d", i), "name_en": fmt.Sprintf("Park %d", i),
			"venue_type_en": "Park", "latitude": 22.45, "longitude": 114.03} // Yuen Long
		if code, body := f.do(t, "admin", "POST", "/api/v1/venues", v); code != 201 {
			t.Fatalf("%d %s", code, body)
		}
	}
	var page struct {
		Items []struct {
			LocationID string `json:"location_id"`
			District   string
		}
		Total   int
		PerPage int `json:"per_page"`
	}
	_, body := f.do(t, "admin", "GET", "/api/v1/venues?venue_type=park&district=元朗區&per_page=3&page=3", nil)
	json.Unmarshal(body, &page)
	if page.Total != 7 || len(page.Items) != 1 || page.Items[0].LocationID != "P6" || page.Items[0].District != "Yuen Long" {
		t.Fatalf("page 3 of parks: %s", body)
	}
	_, body = f.do(t, "admin", "GET", "/api/v1/venues?q=park+3", nil)
	json.Unmarshal(body, &page)
	if page.Total != 1 || page.Items[0].LocationID != "P3" {
		t.Fatalf("text search: %s", body)
	}
}

func TestOpenDataETag(t *testing.T) {
	f := newFixture(t)
	get := func(path, etag string) *http.Response {
		req, _ := http.NewRequest("GET", f.srv.URL+path, nil)
		if etag != "" {
			req.Header.Set("If-None-Match", etag)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	for _, format := range []string{"csv", "json", "geojson"} {
		res := get("/opendata/hotspots."+format, "")
		etag := res.Header.Get("ETag")
		if res.StatusCode != 200 || etag == "" || res.Header.Get("Access-Control-Allow-Origin") != "*" {
			t.Fatalf("%s: %d etag %q", format, res.StatusCode, etag)
		}
		if res := get("/opendata/hotspots."+format, etag); res.StatusCode != http.StatusNotModified {
			t.Fatalf("%s with If-None-Match: %d", format, res.StatusCode)
		}
	}
	etag := get("/opendata/hotspots.json", "").Header.Get("ETag")
	f.do(t, "admin", "PUT", "/api/v1/orgs/orga", map[string]any{"name_en": "x", "support_hotline": "1823"})
	if res := get("/opendata/hotspots.json", etag); res.StatusCode != 200 || res.Header.Get("ETag") == etag {
		t.Fatalf("after a change: %d, etag %q", res.StatusCode, res.Header.Get("ETag"))
	}
}

func TestLoginSessionAndCSRF(t *testing.T) {
	f := newFixture(t)
	code, _ := f.do(t, "", "POST", "/api/v1/auth/login", map[string]any{"username": "opa", "password": "wrong password"})
	if code != 401 {
		t.Fatalf("wrong password: %d", code)
	}
	req, _ := http.NewRequest("POST", f.srv.URL+"/api/v1/auth/login", strings.NewReader(`{"username":"opa","password":"operator password"}`))
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("login: %v %v", res.StatusCode, err)
	}
	res.Body.Close()
	cookie := res.Cookies()[0]
	send := func(method, path, site string) int {
		req, _ := http.NewRequest(method, f.srv.URL+path, strings.NewReader(`{"name_en":"Changed"}`))
		req.AddCookie(cookie)
		if site != "" {
			req.Header.Set("Sec-Fetch-Site", site)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if c := send("GET", "/api/v1/me", ""); c != 200 {
		t.Errorf("me with cookie: %d", c)
	}
	if c := send("PUT", "/api/v1/orgs/orga", "cross-site"); c != 403 {
		t.Errorf("cross-site change with cookie: %d, want 403", c)
	}
	if c := send("PUT", "/api/v1/orgs/orga", "same-origin"); c != 200 {
		t.Errorf("same-origin change with cookie: %d, want 200", c)
	}
	if c := send("POST", "/api/v1/auth/logout", "same-origin"); c != 204 {
		t.Errorf("logout: %d", c)
	}
	if c := send("GET", "/api/v1/me", ""); c != 401 {
		t.Errorf("me after logout: %d, want 401", c)
	}
}

func TestRotateOwnToken(t *testing.T) {
	f := newFixture(t)
	_, body := f.do(t, "opa", "POST", "/api/v1/auth/token", nil)
	var out struct{ Token string }
	json.Unmarshal(body, &out)
	if code, _ := f.do(t, "opa", "GET", "/api/v1/me", nil); code != 401 {
		t.Fatalf("old token after rotation: %d", code)
	}
	f.tokens["opa"] = out.Token
	if code, _ := f.do(t, "opa", "GET", "/api/v1/me", nil); code != 200 {
		t.Fatalf("new token: %d", code)
	}
}

func TestAPTokenShownOnceAndHashed(t *testing.T) {
	f := newFixture(t)
	code, body := f.do(t, "opa", "POST", "/api/v1/aps", map[string]any{"hotspot": "orga/V1", "name": "lobby", "mac": "02:00:00:00:aa:01"})
	var ap struct{ ID, Token string }
	json.Unmarshal(body, &ap)
	if code != 201 || ap.Token == "" {
		t.Fatalf("%d %s", code, body)
	}
	_, body = f.do(t, "opa", "GET", "/api/v1/aps/"+ap.ID, nil)
	if strings.Contains(string(body), "token") {
		t.Fatalf("GET shows a token: %s", body)
	}
	if got, err := f.reg.APByToken(ap.Token); err != nil || got.ID != ap.ID {
		t.Fatalf("token does not authenticate the AP: %v", err)
	}
}
