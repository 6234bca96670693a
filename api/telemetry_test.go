package api_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wifihk/wifihk/agent/wire"
	"github.com/wifihk/wifihk/agent/wire/wiretest"
)

func TestIngestRefusesBadTokensAndInput(t *testing.T) {
	agentModes(t, func(t *testing.T, f *fixture) {
		now := f.now
		good := wiretest.Gzip(wiretest.Report(1, now, 2).AppendJSON(nil))
		huge := make([]byte, wire.MaxBodyBytes+10)
		bomb := wiretest.Gzip(bytes.Repeat([]byte(" "), wire.MaxDecodedBytes+10)) // small gzip, big inflated
		bad := *wiretest.Report(2, now, 1)
		bad.Clients[0].ID = "02:00:00:00:00:01" // a MAC in a pseudonymised report
		for _, c := range []struct {
			name     string
			token    string
			body     []byte
			encoding string
			want     int
			wantMsg  string
		}{
			{"no token", "", good, "gzip", 401, "token"},
			{"unknown token", "wha_nope", good, "gzip", 401, "unknown"},
			{"not gzip", f.agentA, []byte("not gzip"), "gzip", 400, "gzip"},
			{"not json", f.agentA, wiretest.Gzip([]byte("{nope")), "gzip", 400, "json"},
			{"wrong version", f.agentA, wiretest.Gzip([]byte(`{"v":9,"seq":1}`)), "gzip", 400, "v: 9"},
			{"invalid field", f.agentA, wiretest.Gzip(bad.AppendJSON(nil)), "gzip", 400, "clients[0].id"},
			{"trailing data", f.agentA, wiretest.Gzip(append(wiretest.Report(3, now, 1).AppendJSON(nil), " {}"...)), "gzip", 400, "after the report"},
			{"unknown encoding", f.agentA, good, "br", 400, "Content-Encoding"},
			{"body too large", f.agentA, huge, "", 413, "too large"},
			{"inflates too large", f.agentA, bomb, "gzip", 413, "inflated"},
			{"good", f.agentA, good, "gzip", 200, `"duplicate":false`},
			{"identity encoding", f.agentA, wiretest.Report(4, now, 1).AppendJSON(nil), "", 200, `"seq":4`},
		} {
			t.Run(c.name, func(t *testing.T) {
				code, body := f.post(t, c.token, c.body, c.encoding)
				if code != c.want || !strings.Contains(body, c.wantMsg) {
					t.Fatalf("got %d %s, want %d containing %q", code, body, c.want, c.wantMsg)
				}
			})
		}
		// Nothing refused was counted.
		st, err := f.telemetry.APStatus(f.apA)
		if err != nil {
			t.Fatal(err)
		}
		if st.Reports != 2 {
			t.Fatalf("stored %d reports, want the 2 good ones", st.Reports)
		}
	})
}

func TestStatusEndpoint(t *testing.T) {
	agentModes(t, func(t *testing.T, f *fixture) {
		r := wiretest.Report(7, f.now, 25)
		r.AP.UptimeS = 1234
		if code, body := f.post(t, f.agentB, wiretest.Gzip(r.AppendJSON(nil)), "gzip"); code != 200 {
			t.Fatalf("report: %d %s", code, body)
		}
		f.tokens["agent"] = f.agentB
		path := "/api/v1/aps/" + f.apB + "/status"
		for _, c := range []struct {
			name, who string
			want      int
		}{
			{"anonymous", "", http.StatusUnauthorized},
			{"agent token is not staff", "agent", http.StatusUnauthorized},
			{"other org's operator", "opa", http.StatusNotFound},
			{"admin", "admin", http.StatusOK},
		} {
			t.Run(c.name, func(t *testing.T) {
				if code, body := f.do(t, c.who, "GET", path, nil); code != c.want {
					t.Fatalf("got %d %s, want %d", code, body, c.want)
				}
			})
		}
		_, body := f.do(t, "admin", "GET", path, nil)
		var st struct {
			Online     bool      `json:"online"`
			LastReport time.Time `json:"last_report"`
			Clients    int       `json:"clients"`
			BytesUp    uint64    `json:"bytes_up"`
			BytesDown  uint64    `json:"bytes_down"`
			State      string    `json:"state"`
			Version    string    `json:"agent_version"`
		}
		if err := json.Unmarshal(body, &st); err != nil {
			t.Fatal(err)
		}
		if !st.Online || !st.LastReport.Equal(f.now) || st.Clients != 25 || st.BytesUp != 25000 ||
			st.BytesDown != 125000 || st.State != "online" || st.Version != "test" {
			t.Fatalf("status %+v from %s", st, body)
		}
		if _, body := f.do(t, "admin", "GET", "/api/v1/aps/"+f.apA+"/status", nil); !strings.Contains(string(body), `"state":"never"`) {
			t.Fatalf("AP A never reported: %s", body)
		}
	})
}

// Bad query parameters of the telemetry routes answer 422 naming the
// parameter, as the registry's do.
func TestTelemetryQueryNamesTheField(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct{ path, field string }{
		{"/api/v1/aps/" + f.apA + "/series?from=yesterday", "from"},
		{"/api/v1/aps/" + f.apA + "/series?to=2025-13-01", "to"},
		{"/api/v1/telemetry/series?venue=orga", "venue"},
		{"/api/v1/telemetry/series?venue=orga/V1&from=x", "from"},
		{"/api/v1/alerts?since=today", "since"},
		{"/api/v1/alerts?limit=0", "limit"},
	} {
		code, body := f.do(t, "admin", "GET", tc.path, nil)
		var p struct{ Field, Message string }
		json.Unmarshal(body, &p)
		if code != http.StatusUnprocessableEntity || p.Field != tc.field || p.Message == "" {
			t.Errorf("%s: got %d %s, want 422 naming %q", tc.path, code, body, tc.field)
		}
	}
	// Good ones answer.
	for _, path := range []string{"/api/v1/aps/" + f.apA + "/series?from=2025-03-01T08:00:00Z",
		"/api/v1/telemetry/series?venue=orga/V1", "/api/v1/alerts?limit=5&since=2025-03-01T08:00:00Z"} {
		if code, body := f.do(t, "admin", "GET", path, nil); code != http.StatusOK {
			t.Errorf("%s: got %d %s", path, code, body)
		}
	}
}
