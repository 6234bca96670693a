package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wifihk/wifihk/internal/datadir"
)

// realCSVPath is the real Wi-Fi.HK export the repository ships, as the
// README's import command names it.
func realCSVPath(t *testing.T) string {
	path, err := filepath.Abs(filepath.Join("..", "..", "hotspots", "realvenues", "wifi-hk-locations.csv"))
	if err != nil {
		t.Fatal(err)
	}
	return path
}

func runJSON(t *testing.T, v any, args ...string) {
	t.Helper()
	// -json goes right after the command's two words, before any file
	// argument (flag parsing stops at the first non-flag).
	full := append(append(append([]string{}, args[:2]...), "-json"), args[2:]...)
	code, out, errOut := run(t, full...)
	if code != 0 {
		t.Fatalf("%v: exit %d: %s", args, code, errOut)
	}
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("%v: -json output is not one JSON object: %v\n%s", args, err, out)
	}
}

func TestHotspotImportExportCLI(t *testing.T) {
	csv := realCSVPath(t)
	dir := t.TempDir()
	var res struct {
		Imported, Created, Unchanged int
		Rejected                     []any
	}
	runJSON(t, &res, "hotspot", "import", "-data", dir, csv)
	if res.Imported != 5430 || res.Created != 5430 || len(res.Rejected) != 0 {
		t.Fatalf("first import: %+v", res)
	}
	runJSON(t, &res, "hotspot", "import", "-data", dir, csv)
	if res.Unchanged != 5430 || res.Created != 0 {
		t.Fatalf("second import: %+v", res)
	}
	out := filepath.Join(t.TempDir(), "out.geojson")
	var sum struct{ Bytes int64 }
	runJSON(t, &sum, "hotspot", "export", "-data", dir, "-format", "geojson", "-o", out)
	dir2 := t.TempDir()
	runJSON(t, &res, "hotspot", "import", "-data", dir2, out)
	if res.Created != 5430 {
		t.Fatalf("import of the GeoJSON export: %+v", res)
	}
	code, stdout, _ := run(t, "hotspot", "export", "-data", dir2, "-format", "csv", "-district", "Islands")
	if code != 0 || !strings.HasPrefix(stdout, "\ufeffLocationID,OrganisationCode") || !strings.Contains(stdout, "Islands") || strings.Contains(stdout, "Wan Chai") {
		t.Fatalf("csv export of Islands: exit %d, %.200q", code, stdout)
	}
}

func TestImportReportsRejectsByLine(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(t.TempDir(), "x.csv")
	os.WriteFile(file, []byte("LocationID,OrganisationCode,LocationNameEN,Latitude,Longitude\nA,org,Good,22.3,114.17\nB,org,Bad,north,114.17\n"), 0o600)
	code, out, errOut := run(t, "hotspot", "import", "-data", dir, file)
	if code != 0 || !strings.Contains(errOut, "x.csv:3: rejected org/B: Latitude") || !strings.Contains(out, "imported 1 of 2") {
		t.Fatalf("exit %d\nstdout %s\nstderr %s", code, out, errOut)
	}
	// -strict: the same rows, still imported, but the exit says a row
	// was rejected; and with -json the error is JSON too.
	code, out, errOut = run(t, "hotspot", "import", "-data", dir, "-strict", "-json", file)
	if code != 1 || !strings.Contains(out, `"imported": 1`) || !strings.Contains(errOut, `"error":"-strict: 1 of 2 rows rejected"`) {
		t.Fatalf("-strict: exit %d\nstdout %s\nstderr %s", code, out, errOut)
	}
	// An empty file says so, not "EOF".
	empty := filepath.Join(t.TempDir(), "empty.csv")
	os.WriteFile(empty, nil, 0o600)
	if code, _, errOut := run(t, "hotspot", "import", "-data", dir, empty); code != 1 || !strings.Contains(errOut, "the file is empty") {
		t.Fatalf("empty file: exit %d, stderr %s", code, errOut)
	}
}

func TestRegistryCommands(t *testing.T) {
	dir := t.TempDir()
	var org, venue, plan map[string]any
	runJSON(t, &org, "org", "add", "-data", dir, "-code", "lcsd", "-name", "Leisure and Cultural Services")
	runJSON(t, &plan, "plan", "add", "-data", dir, "-name", "library", "-kind", "free", "-org", "lcsd", "-down-kbps", "20000")
	runJSON(t, &venue, "venue", "add", "-data", dir, "-hotspot", "lcsd/HKCL", "-name", "Central Library",
		"-lat", "22.2797", "-lon", "114.1894", "-plan", "library")
	if venue["district"] != "Wan Chai" || venue["plan"] != "library" {
		t.Fatalf("venue: %v", venue)
	}
	var ap struct{ ID, Token string }
	runJSON(t, &ap, "ap", "add", "-data", dir, "-hotspot", "lcsd/HKCL", "-name", "lobby", "-mac", "02:11:22:33:44:55")
	if ap.ID == "" || !strings.HasPrefix(ap.Token, "wha_") {
		t.Fatalf("ap add: %+v", ap)
	}
	var staff struct{ Username, Token, Org string }
	runJSON(t, &staff, "staff", "add", "-data", dir, "-username", "lib-op", "-role", "operator", "-org", "lcsd", "-password", "a long password")
	if staff.Token == "" || staff.Org != "lcsd" {
		t.Fatalf("staff add: %+v", staff)
	}
	raw, _ := os.ReadFile(datadir.Dir(dir).DB())
	for _, secret := range []string{ap.Token, staff.Token, "a long password"} {
		if strings.Contains(string(raw), secret) {
			t.Errorf("%q is stored in clear", secret)
		}
	}
	code, _, errOut := run(t, "staff", "add", "-data", dir, "-username", "x2", "-role", "operator", "-org", "nope")
	if code != 1 || !strings.Contains(errOut, "org:") {
		t.Errorf("operator of an unknown org: exit %d %s", code, errOut)
	}
	code, _, errOut = run(t, "venue", "add", "-data", dir, "-hotspot", "lcsd/X", "-name", "x", "-lat", "40", "-lon", "114.2")
	if code != 1 || !strings.Contains(errOut, "latitude") {
		t.Errorf("venue outside Hong Kong: exit %d %s", code, errOut)
	}
}
