package api_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/wifihk/wifihk/visitors"
)

// (Moved from portal, which served the voucher API until it joined api.)
func TestVoucherAPIAndPrintPage(t *testing.T) {
	f := newFixture(t)
	const api = "/api/v1/vouchers"
	if code, _ := f.do(t, "", "POST", api, `{"count":3,"duration":"1h","uses":1}`); code != 401 {
		t.Fatalf("without a token: %d", code)
	}
	if code, body := f.do(t, "admin", "POST", api, `{"count":3,"duration":"forever","uses":1}`); code != 422 || !strings.Contains(string(body), `"field":"duration"`) {
		t.Fatalf("bad duration: %d %s", code, body)
	}
	code, body := f.do(t, "admin", "POST", api, `{"count":3,"duration":"45m","uses":2,"data_cap_mb":200}`)
	var b struct {
		ID       string   `json:"id"`
		Codes    []string `json:"codes"`
		PrintURL string   `json:"print_url"`
	}
	if json.Unmarshal(body, &b); code != 201 || len(b.Codes) != 3 {
		t.Fatalf("create: %d %s", code, body)
	}
	if code, body := f.do(t, "admin", "GET", api+"/"+b.ID, nil); code != 200 || !strings.Contains(string(body), b.Codes[0]) {
		t.Fatalf("get: %d %s", code, body)
	}
	req, _ := http.NewRequest("GET", f.srv.URL+b.PrintURL, nil)
	req.Header.Set("Authorization", "Bearer "+f.tokens["admin"])
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(page), visitors.FormatVoucher(b.Codes[2])) {
		t.Fatalf("print: %d\n%s", res.StatusCode, page)
	}
	// The page is the portal's, with its stylesheet allowed.
	if ct, csp := res.Header.Get("Content-Type"), res.Header.Get("Content-Security-Policy"); !strings.HasPrefix(ct, "text/html") ||
		!strings.Contains(csp, "style-src 'self'") {
		t.Fatalf("print page headers: Content-Type %q, CSP %q", ct, csp)
	}
}

func TestVoucherFieldErrors(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct {
		body  string
		field string
	}{
		{`{"count":0,"duration":"1h","uses":1}`, "count"},
		{`{"count":1,"duration":"1h","uses":1,"colour":"red"}`, "colour"},
	} {
		code, body := f.do(t, "admin", "POST", "/api/v1/vouchers", tc.body)
		var p struct{ Field string }
		json.Unmarshal(body, &p)
		if code != 422 || p.Field != tc.field {
			t.Errorf("%s: got %d %s, want 422 naming %q", tc.body, code, body, tc.field)
		}
	}
}
