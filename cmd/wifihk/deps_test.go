package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestNoTestOrBenchPackages keeps the load tools and the libraries only
// tests use out of the server binary, as cmd/wifihk-agent's deps test does
// for the agent.
func TestNoTestOrBenchPackages(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("needs the go command")
	}
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if .Standard}}std {{end}}{{.ImportPath}}", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	forbidden := []string{
		module + "/bench", // wifihk-bench's load generators
		module + "/internal/browsertest",
		module + "/internal/storetest",
		module + "/radius/discovery/dnstest",
		module + "/controller/controllertest",
		module + "/visitors/orgpki/orgpkitest",
		"github.com/chromedp/",
		"std testing",
		"std net/http/httptest",
	}
	deps := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(deps) < 50 {
		t.Fatalf("go list found only %d packages", len(deps))
	}
	for _, d := range deps {
		for _, f := range forbidden {
			if d == f || strings.HasPrefix(d, f+"/") || strings.HasSuffix(f, "/") && strings.HasPrefix(d, f) {
				t.Errorf("wifihk links %s", d)
			}
		}
	}
}
