package cli

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/wifihk/wifihk/accounting"
	"github.com/wifihk/wifihk/internal/store"
)

func TestNASUpdateListRemove(t *testing.T) {
	dir := t.TempDir()
	must := mustRunIn(t, dir)
	must("nas", "add", "-name", "chilli1", "-ip", "192.0.2.10", "-secret", "first-secret")
	must("nas", "add", "-name", "other", "-ip", "192.0.2.64/26", "-secret", "other-secret")
	out := must("nas", "list")
	if !strings.Contains(out, "PORTAL-AUTH") || !strings.Contains(out, "UAM-SECRET") || !strings.Contains(out, "chap") {
		t.Fatalf("nas list hides portal auth or UAM secret:\n%s", out)
	}
	// One uplink prefix for chilli's RADIUS and its redirect child.
	out = must("nas", "update", "-name", "chilli1", "-ip", "192.0.2.8/30", "-uam-secret", "uam-s3cret",
		"-portal-auth", "pap", "-nas-id", "venue-1", "-json")
	var got map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	if got["ip"] != "192.0.2.8/30" || got["portal_auth"] != "pap" || got["uam_secret_set"] != true ||
		got["nas_identifier"] != "venue-1" || got["coa_port"] != float64(3799) {
		t.Fatalf("after update: %v", got)
	}
	if strings.Contains(out, "uam-s3cret") || strings.Contains(out, "first-secret") {
		t.Fatalf("a secret was printed: %s", out)
	}
	if code, _, errOut := run(t, "nas", "update", "-data", dir, "-name", "chilli1", "-ip", "192.0.2.64"); code == 0 || !strings.Contains(errOut, "overlaps") {
		t.Fatalf("overlapping update: exit %d %s", code, errOut)
	}
	if code, _, errOut := run(t, "nas", "update", "-data", dir, "-name", "nope", "-ip", "192.0.2.1"); code == 0 || !strings.Contains(errOut, "not found") {
		t.Fatalf("unknown NAS: exit %d %s", code, errOut)
	}
	out = must("nas", "list")
	if !strings.Contains(out, "venue-1") || !strings.Contains(out, "set") || !strings.Contains(out, "pap") {
		t.Fatalf("nas list after update:\n%s", out)
	}
	must("nas", "remove", "-name", "chilli1")
	if out = must("nas", "list"); strings.Contains(out, "chilli1") {
		t.Fatalf("removed NAS still listed:\n%s", out)
	}
}

// session list -limit N is the newest N, whatever order the keys sort in.
func TestSessionListNewestFirst(t *testing.T) {
	dir := t.TempDir()
	if code, _, errOut := run(t, "nas", "add", "-data", dir, "-name", "gw1", "-ip", "127.0.0.1", "-secret", "gw-secret-1"); code != 0 {
		t.Fatal(errOut)
	}
	db, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	st := accounting.New(db)
	t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	// Keys sort a, b, c, d; starts run d, c, b, a.
	for i, id := range []string{"d", "c", "b", "a"} {
		if _, err := st.Apply(accounting.Update{NAS: "gw1", AcctID: id, Status: accounting.Start, Username: "u", At: t0.Add(time.Duration(i) * time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	db.Close()
	code, out, errOut := run(t, "session", "list", "-data", dir, "-limit", "2", "-json")
	if code != 0 {
		t.Fatal(errOut)
	}
	var got struct{ Sessions []accounting.Session }
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Sessions) != 2 || got.Sessions[0].AcctID != "a" || got.Sessions[1].AcctID != "b" {
		t.Fatalf("session list -limit 2 = %+v, want a then b (the newest)", got.Sessions)
	}
}
