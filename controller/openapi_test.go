package controller_test

import (
	"log/slog"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/gorilla/mux"
	"gopkg.in/yaml.v3"

	"github.com/wifihk/wifihk/api"
	"github.com/wifihk/wifihk/controller"
	"github.com/wifihk/wifihk/controller/config"
)

// muxVar matches a gorilla/mux variable with a pattern, {name:pattern}.
var muxVar = regexp.MustCompile(`\{([a-z_]+):([^}]*)\}`)

// openAPIPaths turns a mux template into the OpenAPI paths it serves: a
// pattern of literal alternatives (csv|json) becomes one path per literal,
// any other pattern becomes a plain {name}.
func openAPIPaths(template string) []string {
	m := muxVar.FindStringSubmatch(template)
	if m == nil {
		return []string{template}
	}
	if regexp.MustCompile(`^[a-z]+(\|[a-z]+)+$`).MatchString(m[2]) {
		var out []string
		for _, lit := range strings.Split(m[2], "|") {
			out = append(out, openAPIPaths(strings.Replace(template, m[0], lit, 1))...)
		}
		return out
	}
	return openAPIPaths(strings.Replace(template, m[0], "{"+m[1]+"}", 1))
}

// isAPI says which routes api/openapi.yaml must describe: the REST API,
// the open data and the RFC 8908 captive portal API.
func isAPI(path string) bool {
	return strings.HasPrefix(path, "/api/v1/") || strings.HasPrefix(path, "/opendata/") || path == "/portal/api"
}

// Every API route the assembled server serves is in api/openapi.yaml, and
// the file describes nothing that is not served.
func TestOpenAPIMatchesEveryServedRoute(t *testing.T) {
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	a, err := controller.New(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer a.DB.Close()
	served := map[string]bool{}
	err = a.Router.Walk(func(rt *mux.Route, _ *mux.Router, _ []*mux.Route) error {
		tmpl, err := rt.GetPathTemplate()
		if err != nil || !isAPI(tmpl) {
			return nil
		}
		methods, _ := rt.GetMethods()
		for _, m := range methods {
			if m == "HEAD" || m == "OPTIONS" {
				continue
			}
			for _, p := range openAPIPaths(tmpl) {
				served[m+" "+p] = true
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]yaml.Node `yaml:"paths"`
	}
	if err := yaml.Unmarshal(api.OpenAPI, &doc); err != nil {
		t.Fatalf("api/openapi.yaml: %v", err)
	}
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			if method != "parameters" {
				documented[strings.ToUpper(method)+" "+path] = true
			}
		}
	}
	if len(served) < 40 {
		t.Fatalf("found only %d API routes; is the router walk broken?", len(served))
	}
	for _, k := range sortedKeys(served) {
		if !documented[k] {
			t.Errorf("served but not in api/openapi.yaml: %s", k)
		}
	}
	for _, k := range sortedKeys(documented) {
		if !served[k] {
			t.Errorf("in api/openapi.yaml but not served: %s", k)
		}
	}
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
