package main

import (
	"flag"
	"os"
	"os/exec"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite depaware.txt")

// agentDeps lists the packages linked into the agent for OpenWrt, as
// tailscale's depaware does.
func agentDeps(t *testing.T) []string {
	t.Helper()
	cmd := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{else}}std {{.ImportPath}}{{end}}", ".")
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=mipsle", "CGO_ENABLED=0")
	out, err := cmd.Output()
	if err != nil {
		t.Skipf("go list: %v (needs the go command)", err)
	}
	var deps []string
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if strings.HasPrefix(l, "std internal/") || strings.HasPrefix(l, "std vendor/") || strings.Contains(l, "/internal/") && strings.HasPrefix(l, "std ") {
			continue // the standard library's internals come with what imports them
		}
		deps = append(deps, l)
	}
	return deps
}

// TestDepaware fails when the agent's dependencies change without
// depaware.txt being updated (go test ./cmd/wifihk-agent -update), so that
// every new dependency of the AP binary is a reviewed decision.
func TestDepaware(t *testing.T) {
	got := strings.Join(agentDeps(t), "\n") + "\n"
	if *update {
		if err := os.WriteFile("depaware.txt", []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile("depaware.txt")
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Fatalf("the agent's dependencies changed; review, then run go test ./cmd/wifihk-agent -update\n--- depaware.txt\n+++ now\n%s", diff(string(want), got))
	}
}

// TestNoControllerPackages keeps the controller's heavy packages, and the
// libraries the agent avoids for size, out of the AP binary.
func TestNoControllerPackages(t *testing.T) {
	forbidden := []string{
		"github.com/wifihk/wifihk/hotspots", // the registry, telemetry ingest
		"github.com/wifihk/wifihk/internal/",
		"github.com/wifihk/wifihk/radius",
		"github.com/wifihk/wifihk/portal",
		"github.com/wifihk/wifihk/console",
		"go.etcd.io/bbolt",
		"github.com/prometheus/",
		"github.com/gorilla/",
		"layeh.com/radius",
		"gopkg.in/yaml.v3",
		// Links every decoder through its init tables: about 1.2 MB on
		// mipsle and 6 MB of memory on amd64. agent/frame.go decodes the
		// few fields the counter reads; agent/internal/pcapgo is pcapgo
		// without it.
		"github.com/google/gopacket/layers",
		"github.com/google/gopacket/pcapgo",
		"std net/http",      // about 2 MB; agent/sender.go speaks HTTP/1.1 itself
		"std encoding/json", // reflection-heavy; wire.Report.AppendJSON instead
		"std log/slog",
	}
	for _, d := range agentDeps(t) {
		for _, f := range forbidden {
			if d == f || strings.HasPrefix(d, f+"/") || strings.HasSuffix(f, "/") && strings.HasPrefix(d, f) {
				t.Errorf("wifihk-agent imports %s", d)
			}
		}
	}
}

func diff(a, b string) string {
	in := map[string]bool{}
	for _, l := range strings.Split(a, "\n") {
		in[l] = true
	}
	now := map[string]bool{}
	var out strings.Builder
	for _, l := range strings.Split(b, "\n") {
		now[l] = true
		if !in[l] {
			out.WriteString("+" + l + "\n")
		}
	}
	for _, l := range strings.Split(a, "\n") {
		if !now[l] {
			out.WriteString("-" + l + "\n")
		}
	}
	return out.String()
}
