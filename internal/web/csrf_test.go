package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func TestCSRF(t *testing.T) {
	c, err := NewCSRF(nil, "t_csrf", false)
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	tok := c.Token(rec, httptest.NewRequest("GET", "/", nil))
	cookie := rec.Result().Cookies()[0]

	post := func(form url.Values, cookie *http.Cookie, hdr map[string]string) error {
		r := httptest.NewRequest("POST", "http://portal.example/x", strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if cookie != nil {
			r.AddCookie(cookie)
		}
		for k, v := range hdr {
			r.Header.Set(k, v)
		}
		return c.Check(r)
	}
	other := &http.Cookie{Name: "t_csrf", Value: strings.Repeat("A", 24)}
	tests := []struct {
		name   string
		form   url.Values
		cookie *http.Cookie
		hdr    map[string]string
		ok     bool
	}{
		{"valid", url.Values{CSRFField: {tok}}, cookie, nil, true},
		{"same origin", url.Values{CSRFField: {tok}}, cookie, map[string]string{"Origin": "http://portal.example"}, true},
		{"no token", url.Values{}, cookie, nil, false},
		{"no cookie", url.Values{CSRFField: {tok}}, nil, nil, false},
		{"token for another cookie", url.Values{CSRFField: {tok}}, other, nil, false},
		{"cross origin", url.Values{CSRFField: {tok}}, cookie, map[string]string{"Origin": "https://evil.example"}, false},
		{"cross site fetch", url.Values{CSRFField: {tok}}, cookie, map[string]string{"Sec-Fetch-Site": "cross-site"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := post(tt.form, tt.cookie, tt.hdr); (err == nil) != tt.ok {
				t.Fatalf("Check = %v, want ok=%v", err, tt.ok)
			}
		})
	}
}

func TestCSRFKeyLength(t *testing.T) {
	if _, err := NewCSRF(make([]byte, 8), "c", false); err == nil {
		t.Fatal("short key accepted")
	}
}
