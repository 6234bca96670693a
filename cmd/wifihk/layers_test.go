package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/wifihk/wifihk"

// layers is the layer of each top-level folder, bottom up, as the README's
// "Layout" table lists them: a package may import packages of its own
// layer or a lower one, never a higher one (its tests may).
var layers = map[string]int{
	"internal":   0, // ground-floor kit; imports only internal/
	"agent":      0, // the AP program, a tree of its own; imports only agent/
	"hotspots":   1,
	"accounting": 1,
	"visitors":   1,
	"staff":      1,
	"radius":     2,
	"telemetry":  2,
	"usage":      2,
	"portal":     2,
	"api":        3,
	"console":    3,
	"controller": 4,
	"bench":      5,
	"cmd":        6,
}

// closed lists the folders whose packages may import only packages in the
// same folder (besides the standard library and other modules).
var closed = []string{"internal", "agent"}

// folder is the top-level folder of a package of this module.
func folder(pkg string) string {
	rel := strings.TrimPrefix(strings.TrimPrefix(pkg, module), "/")
	top, _, _ := strings.Cut(rel, "/")
	return top
}

// layerViolations returns every import in imports (package → its non-test
// imports) that points into a higher layer or out of a closed folder, and
// every package of the module in a folder that has no layer.
func layerViolations(imports map[string][]string) []string {
	var bad []string
	for pkg, deps := range imports {
		from := folder(pkg)
		lf, ok := layers[from]
		if !ok {
			bad = append(bad, pkg+" is in a folder with no layer (add it to layers and to the README's Layout)")
			continue
		}
		for _, dep := range deps {
			if dep != module && !strings.HasPrefix(dep, module+"/") {
				continue
			}
			to := folder(dep)
			lt, ok := layers[to]
			switch {
			case !ok:
				bad = append(bad, pkg+" imports "+dep+", in a folder with no layer")
			case lt > lf:
				bad = append(bad, pkg+" (layer "+strconv.Itoa(lf)+") imports "+dep+" (layer "+strconv.Itoa(lt)+")")
			case to != from && contains(closed, from):
				bad = append(bad, pkg+" imports "+dep+": "+from+"/ imports only "+from+"/")
			}
		}
	}
	sort.Strings(bad)
	return bad
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// moduleImports lists the non-test imports of every package of the module.
func moduleImports(t *testing.T) map[string][]string {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("needs the go command")
	}
	cmd := exec.Command("go", "list", "-json", module+"/...")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	imports := map[string][]string{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p struct {
			ImportPath string
			Imports    []string
		}
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		imports[p.ImportPath] = p.Imports
	}
	if len(imports) < 20 {
		t.Fatalf("go list found only %d packages", len(imports))
	}
	return imports
}

// TestLayers fails when a package imports one in a higher layer, or
// internal/ or agent/ imports outside itself.
func TestLayers(t *testing.T) {
	for _, v := range layerViolations(moduleImports(t)) {
		t.Error(v)
	}
}

// TestReadmeLayout holds the README's Layout table to the layers above and
// to the folders in the tree: one row per top-level folder, with its layer.
func TestReadmeLayout(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, _ := strings.Cut(string(readme), "\n## Layout\n")
	section, _, _ = strings.Cut(section, "\n## ")
	row := regexp.MustCompile("(?m)^\\| (\\d|–) \\| `([a-z]+)/` \\|")
	rows := map[string]string{}
	for _, m := range row.FindAllStringSubmatch(section, -1) {
		rows[m[2]] = m[1]
	}
	for f, l := range layers {
		if got, ok := rows[f]; !ok {
			t.Errorf("README's Layout has no row for %s/", f)
		} else if got != strconv.Itoa(l) {
			t.Errorf("README's Layout puts %s/ in layer %s, layers_test.go in %d", f, got, l)
		}
	}
	entries, err := os.ReadDir("../..")
	if err != nil {
		t.Fatal(err)
	}
	dirs := map[string]bool{}
	for _, e := range entries {
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
			dirs[e.Name()] = true
			if _, ok := rows[e.Name()]; !ok {
				t.Errorf("README's Layout has no row for %s/", e.Name())
			}
		}
	}
	for f, l := range rows {
		if !dirs[f] {
			t.Errorf("README's Layout lists %s/, which is not in the tree", f)
		}
		if _, ok := layers[f]; !ok && l != "–" {
			t.Errorf("README's Layout puts %s/ in layer %s, layers_test.go in none", f, l)
		}
	}
}

// TestLayerViolations checks that the rule catches what it should.
func TestLayerViolations(t *testing.T) {
	for _, tc := range []struct {
		name    string
		imports map[string][]string
		want    string
	}{
		{"upward", map[string][]string{module + "/radius": {module + "/controller"}}, "radius (layer 2) imports " + module + "/controller (layer 4)"},
		{"internal upward", map[string][]string{module + "/internal/store": {module + "/hotspots"}}, "(layer 0) imports " + module + "/hotspots (layer 1)"},
		{"agent out of its tree", map[string][]string{module + "/agent": {module + "/internal/token"}}, "agent/ imports only agent/"},
		{"internal into agent", map[string][]string{module + "/internal/web": {module + "/agent/wire"}}, "internal/ imports only internal/"},
		{"unknown folder", map[string][]string{module + "/misc": {"fmt"}}, "no layer"},
		{"to unknown folder", map[string][]string{module + "/radius": {module + "/misc"}}, "no layer"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := layerViolations(tc.imports)
			if len(got) != 1 || !strings.Contains(got[0], tc.want) {
				t.Errorf("got %q, want one containing %q", got, tc.want)
			}
		})
	}
	ok := map[string][]string{
		module + "/telemetry":  {module + "/agent/wire", module + "/hotspots", module + "/radius", "fmt"},
		module + "/accounting": {module + "/hotspots", module + "/internal/journal"},
		module + "/agent":      {module + "/agent/wire", "golang.org/x/sys/unix"},
		module + "/cmd/wifihk": {module + "/controller/cli", module + "/internal/cmdline"},
	}
	if got := layerViolations(ok); len(got) != 0 {
		t.Errorf("allowed imports reported: %q", got)
	}
}
