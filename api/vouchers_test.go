package api_test

import (
	"encoding/json"
	"io"
	"net/http"
	"regexp"
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
		ID    string   `json:"id"`
		Codes []string `json:"codes"`
	}
	if json.Unmarshal(body, &b); code != 201 || len(b.Codes) != 3 {
		t.Fatalf("create: %d %s", code, body)
	}
	// Read back, the batch shows each code's state, masked: the codes were
	// shown once.
	code, body = f.do(t, "admin", "GET", api+"/"+b.ID, nil)
	var got struct {
		Codes    []string `json:"codes"`
		Vouchers []struct {
			Masked   string `json:"masked_code"`
			UsesLeft int    `json:"uses_left"`
			Status   string
		}
	}
	json.Unmarshal(body, &got)
	if code != 200 || got.Codes != nil || len(got.Vouchers) != 3 || strings.Contains(string(body), b.Codes[0]) ||
		got.Vouchers[0].Masked != "*****-*"+b.Codes[0][6:] || got.Vouchers[0].UsesLeft != 2 || got.Vouchers[0].Status != "usable" {
		t.Fatalf("get: %d %s", code, body)
	}
	// Created with Accept: text/html, the answer is the printable page.
	req, _ := http.NewRequest("POST", f.srv.URL+api, strings.NewReader(`{"count":2,"duration":"1h","uses":1}`))
	req.Header.Set("Authorization", "Bearer "+f.tokens["admin"])
	req.Header.Set("Accept", "text/html,application/xhtml+xml;q=0.9")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	cards := regexp.MustCompile(`<p class="vcode">([A-Z0-9]{5}-[A-Z0-9]{5})</p>`).FindAllStringSubmatch(string(page), -1)
	if res.StatusCode != 201 || len(cards) != 2 || !strings.HasPrefix(res.Header.Get("Location"), api+"/vb-") {
		t.Fatalf("print: %d %v\n%s", res.StatusCode, res.Header, page)
	}
	// The page is the portal's, with its stylesheet allowed.
	if ct, csp := res.Header.Get("Content-Type"), res.Header.Get("Content-Security-Policy"); !strings.HasPrefix(ct, "text/html") ||
		!strings.Contains(csp, "style-src 'self'") {
		t.Fatalf("print page headers: Content-Type %q, CSP %q", ct, csp)
	}
	// A printed code is a voucher.
	typed, err := visitors.NormalizeVoucher(cards[1][1])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.vouchers.Voucher(typed); err != nil {
		t.Fatalf("printed code %s: %v", cards[1][1], err)
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
