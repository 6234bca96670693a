package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wifihk/wifihk/internal/datadir"
	"github.com/wifihk/wifihk/internal/store"
	"github.com/wifihk/wifihk/internal/store/postgres/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

func nasNames(t *testing.T, dir string) string {
	t.Helper()
	code, out, errOut := run(t, "nas", "list", "-data", dir, "-json")
	if code != 0 {
		t.Fatalf("nas list: exit %d: %s", code, errOut)
	}
	var got struct{ NAS []struct{ Name string } }
	json.Unmarshal([]byte(out), &got)
	var names []string
	for _, n := range got.NAS {
		names = append(names, n.Name)
	}
	return strings.Join(names, ",")
}

// A data dir moves to PostgreSQL and back with store migrate: counts
// printed and equal, admin commands follow the dir to its new store, and
// a copy into a store that holds records is refused.
func TestStoreMigrateRoundTrip(t *testing.T) {
	url := pgtest.NewDB(t)
	dir := t.TempDir()
	for _, args := range [][]string{
		{"nas", "add", "-data", dir, "-name", "gw1", "-ip", "10.0.0.0/24", "-secret", "s3cret-gw1"},
		{"user", "add", "-data", dir, "-username", "alice", "-password", "alice-secret-pw"},
		{"voucher", "create", "-data", dir, "-count", "3"},
	} {
		if code, _, errOut := run(t, args...); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errOut)
		}
	}
	// serve -store on a dir that has records in bbolt would hide them.
	if code, _, errOut := run(t, "serve", "-data", dir, "-store", url, "-http", "127.0.0.1:0", "-https", "127.0.0.1:0",
		"-radius-auth", "127.0.0.1:0", "-radius-acct", "127.0.0.1:0"); code != 1 || !strings.Contains(errOut, "store migrate") {
		t.Fatalf("serve -store over a bbolt dir: exit %d %q", code, errOut)
	}
	code, out, errOut := run(t, "store", "migrate", "-from", dir, "-to", url, "-json")
	if code != 0 {
		t.Fatalf("migrate: exit %d: %s", code, errOut)
	}
	var res struct {
		Records map[string]int
		Total   int
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || res.Records["nas"] != 1 || res.Records["visitors"] != 1 ||
		res.Records["credentials"] < 3 || res.Total < 5 {
		t.Fatalf("migrate result %s (%v)", out, err)
	}
	// The dir now runs on PostgreSQL: what is added goes there.
	if code, _, errOut := run(t, "nas", "add", "-data", dir, "-name", "gw2", "-ip", "10.0.1.0/24", "-secret", "s3cret-gw2"); code != 0 {
		t.Fatalf("nas add: exit %d: %s", code, errOut)
	}
	if got := nasNames(t, dir); got != "gw1,gw2" {
		t.Errorf("NAS on PostgreSQL: %q", got)
	}
	// backup on PostgreSQL writes a bbolt file and points at pg_dump.
	copyPath := filepath.Join(t.TempDir(), "copy.db")
	if code, out, errOut := run(t, "backup", "-data", dir, copyPath); code != 0 || !strings.Contains(out, "pg_dump") {
		t.Errorf("backup: exit %d %q %q", code, out, errOut)
	}
	if db, err := store.OpenFile(copyPath, store.Options{}); err != nil {
		t.Errorf("the backup does not open: %v", err)
	} else {
		db.Close()
	}
	if code, _, errOut := run(t, "store", "migrate", "-from", dir, "-to", url); code != 1 || !strings.Contains(errOut, "PostgreSQL") {
		t.Errorf("migrate from a dir that runs on PostgreSQL: exit %d %q", code, errOut)
	}

	back := t.TempDir()
	key, _ := os.ReadFile(datadir.Dir(dir).MasterKey())
	os.WriteFile(filepath.Join(back, filepath.Base(datadir.Dir(dir).MasterKey())), key, 0o600)
	code, out, errOut = run(t, "store", "migrate", "-from", url, "-to", back)
	if code != 0 || !strings.Contains(out, "counts checked") {
		t.Fatalf("migrate back: exit %d: %s %s", code, out, errOut)
	}
	if got := nasNames(t, back); got != "gw1,gw2" {
		t.Errorf("NAS back on bbolt: %q", got)
	}
	if code, _, errOut := run(t, "store", "migrate", "-from", url, "-to", back); code != 1 || !strings.Contains(errOut, "already holds") {
		t.Errorf("migrate into a store with records: exit %d %q", code, errOut)
	}
	// And the PostgreSQL dir goes back to its own bbolt file, its journals applied.
	code, _, errOut = run(t, "store", "migrate", "-from", url, "-to", dir)
	if code != 1 || !strings.Contains(errOut, "already holds") {
		t.Errorf("migrate into the dir's old bbolt file: exit %d %q", code, errOut)
	}
}
