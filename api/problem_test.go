package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/wifihk/wifihk/api"
)

// problemSpec is what openapi.yaml says of an error answer.
type problemSpec struct {
	mediaType  string
	required   []string
	properties map[string]bool
	pattern    *regexp.Regexp  // of error
	documented map[string]bool // "METHOD /path STATUS" answered with a Problem
}

func loadProblemSpec(t *testing.T) problemSpec {
	t.Helper()
	var doc struct {
		Paths      map[string]map[string]yaml.Node `yaml:"paths"`
		Components struct {
			Responses struct {
				Problem struct {
					Content map[string]any `yaml:"content"`
				} `yaml:"Problem"`
			} `yaml:"responses"`
			Schemas struct {
				Problem struct {
					Required   []string `yaml:"required"`
					Properties map[string]struct {
						Pattern string `yaml:"pattern"`
					} `yaml:"properties"`
				} `yaml:"Problem"`
			} `yaml:"schemas"`
		} `yaml:"components"`
	}
	if err := yaml.Unmarshal(api.OpenAPI, &doc); err != nil {
		t.Fatal(err)
	}
	sp := problemSpec{properties: map[string]bool{}, documented: map[string]bool{}}
	for mt := range doc.Components.Responses.Problem.Content {
		sp.mediaType = mt
	}
	schema := doc.Components.Schemas.Problem
	sp.required = schema.Required
	for name := range schema.Properties {
		sp.properties[name] = true
	}
	sp.pattern = regexp.MustCompile(schema.Properties["error"].Pattern)
	for path, ops := range doc.Paths {
		for method, op := range ops {
			var o struct {
				Responses map[string]struct {
					Ref string `yaml:"$ref"`
				} `yaml:"responses"`
			}
			op.Decode(&o)
			for status, r := range o.Responses {
				if r.Ref == "#/components/responses/Problem" {
					sp.documented[strings.ToUpper(method)+" "+path+" "+status] = true
				}
			}
		}
	}
	if sp.mediaType == "" || len(sp.required) == 0 || len(sp.documented) < 50 {
		t.Fatalf("openapi.yaml: Problem not found as expected: %+v", sp)
	}
	return sp
}

// check reports what is wrong with an error answer.
func (sp problemSpec) check(t *testing.T, res *http.Response, body []byte) {
	t.Helper()
	if mt, _, err := mime.ParseMediaType(res.Header.Get("Content-Type")); err != nil || mt != sp.mediaType {
		t.Errorf("Content-Type %q, want %s", res.Header.Get("Content-Type"), sp.mediaType)
	}
	var p map[string]any
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&p); err != nil {
		t.Fatalf("body is not a JSON object: %v: %s", err, body)
	}
	for name, v := range p {
		if !sp.properties[name] {
			t.Errorf("field %q is not in the Problem schema: %s", name, body)
		}
		if s, ok := v.(string); !ok || s == "" {
			t.Errorf("field %q is %v, want a non-empty string", name, v)
		}
	}
	for _, name := range sp.required {
		if _, ok := p[name]; !ok {
			t.Errorf("required field %q missing: %s", name, body)
		}
	}
	if code, _ := p["error"].(string); !sp.pattern.MatchString(code) {
		t.Errorf("error %q does not match %s", code, sp.pattern)
	}
}

// Every error of every former source of /api/v1 (the registry, the voucher
// API once in the portal, the agent ingest and AP status once in
// telemetry) answers the Problem that openapi.yaml documents, and the
// status is documented for its route.
func TestErrorsAreDocumentedProblems(t *testing.T) {
	f := newFixture(t)
	sp := loadProblemSpec(t)
	for _, tc := range []struct {
		source, who, method, path, route string
		body                             string
		status                           int
		field                            string
	}{
		{"registry", "admin", "GET", "/api/v1/orgs/nope", "/api/v1/orgs/{code}", "", 404, ""},
		{"registry", "", "GET", "/api/v1/me", "/api/v1/me", "", 401, ""},
		{"registry", "admin", "POST", "/api/v1/plans", "/api/v1/plans", `{"name":"p","kind":"gratis"}`, 422, "kind"},
		{"vouchers", "", "POST", "/api/v1/vouchers", "/api/v1/vouchers", `{"count":1,"duration":"1h","uses":1}`, 401, ""},
		{"vouchers", "opa", "POST", "/api/v1/vouchers", "/api/v1/vouchers", `{"count":1,"duration":"1h","uses":1,"org":"orgb"}`, 403, ""},
		{"vouchers", "admin", "POST", "/api/v1/vouchers", "/api/v1/vouchers", `{"count":1,"duration":"ever","uses":1}`, 422, "duration"},
		{"vouchers", "admin", "GET", "/api/v1/vouchers/vb-999", "/api/v1/vouchers/{id}", "", 404, ""},
		{"vouchers", "opa", "GET", "/api/v1/vouchers/" + f.batchB, "/api/v1/vouchers/{id}", "", 404, ""},
		{"agent ingest", "", "POST", "/api/v1/agent/reports", "/api/v1/agent/reports", `{}`, 401, ""},
		{"agent ingest", "agent", "POST", "/api/v1/agent/reports", "/api/v1/agent/reports", `{nope`, 400, ""},
		{"agent ingest", "agent", "POST", "/api/v1/agent/reports", "/api/v1/agent/reports", strings.Repeat(" ", 1<<20), 413, ""},
		{"AP status", "", "GET", "/api/v1/aps/" + f.apA + "/status", "/api/v1/aps/{id}/status", "", 401, ""},
		{"AP status", "opa", "GET", "/api/v1/aps/" + f.apB + "/status", "/api/v1/aps/{id}/status", "", 404, ""},
		{"AP series", "admin", "GET", "/api/v1/aps/" + f.apA + "/series?from=x", "/api/v1/aps/{id}/series", "", 422, "from"},
		{"venue series", "opa", "GET", "/api/v1/telemetry/series?venue=orgb/V1", "/api/v1/telemetry/series", "", 404, ""},
		{"alerts", "admin", "GET", "/api/v1/alerts?limit=-1", "/api/v1/alerts", "", 422, "limit"},
	} {
		t.Run(fmt.Sprintf("%s %d %s %s", tc.source, tc.status, tc.method, tc.route), func(t *testing.T) {
			var rd io.Reader
			if tc.body != "" {
				rd = strings.NewReader(tc.body)
			}
			req, _ := http.NewRequest(tc.method, f.srv.URL+tc.path, rd)
			switch tc.who {
			case "":
			case "agent":
				req.Header.Set("Authorization", "Bearer "+f.agentA)
			default:
				req.Header.Set("Authorization", "Bearer "+f.tokens[tc.who])
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != tc.status {
				t.Fatalf("got %d %s, want %d", res.StatusCode, body, tc.status)
			}
			sp.check(t, res, body)
			var p struct{ Field string }
			json.Unmarshal(body, &p)
			if p.Field != tc.field {
				t.Errorf("field %q, want %q", p.Field, tc.field)
			}
			key := tc.method + " " + tc.route + " " + res.Status[:3]
			if !sp.documented[key] {
				t.Errorf("openapi.yaml does not document %s as a Problem", key)
			}
		})
	}
}
