package httpapi_test

import (
	"regexp"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/wifihk/wifihk/api"
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

func TestOpenAPIMatchesRoutes(t *testing.T) {
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
	served := map[string]bool{}
	for _, rt := range newFixture(t).api.Routes() {
		for _, p := range openAPIPaths(rt.Path) {
			served[rt.Method+" "+p] = true
		}
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
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
