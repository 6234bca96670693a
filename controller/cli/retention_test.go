package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wifihk/wifihk/accounting"
	"github.com/wifihk/wifihk/accounting/archive"
	"github.com/wifihk/wifihk/internal/datadir"
	"github.com/wifihk/wifihk/internal/store"
)

// A stopped data dir after a large purge: archive list and export read
// the archive back, and store compact shrinks the file.
func TestArchiveCommandsAndCompact(t *testing.T) {
	dir := t.TempDir()
	if code, _, errOut := run(t, "nas", "add", "-data", dir, "-name", "gw1", "-ip", "10.0.0.1", "-secret", "s3cret-gw1"); code != 0 {
		t.Fatal(errOut)
	}
	db, err := store.Open(dir, store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	st := accounting.New(db)
	at := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	var us []accounting.Update
	for i := range 6000 {
		id := fmt.Sprintf("s%05d", i)
		us = append(us, accounting.Update{NAS: "gw1", AcctID: id, Status: accounting.Start, Username: "=cmd|' /C calc'!A0", At: at},
			accounting.Update{NAS: "gw1", AcctID: id, Status: accounting.Stop, InputOctets: uint64(i), At: at.Add(time.Duration(i) * time.Minute)})
	}
	for _, err := range func() []error { _, errs := st.ApplyAll(us); return errs }() {
		if err != nil {
			t.Fatal(err)
		}
	}
	arch, err := archive.Open(datadir.Dir(dir).Archive(), nil)
	if err != nil {
		t.Fatal(err)
	}
	before := time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC)
	n, err := st.PurgeClosed(context.Background(), accounting.PurgeOptions{Before: before, Archive: arch.Append})
	if err != nil || n != 6000 {
		t.Fatalf("purged %d, %v", n, err)
	}
	if err := arch.Seal(before); err != nil {
		t.Fatal(err)
	}
	st.Close()
	db.Close()

	code, out, errOut := run(t, "archive", "list", "-data", dir, "-verify", "-json")
	if code != 0 {
		t.Fatalf("archive list: %d %s", code, errOut)
	}
	var list struct {
		Files []struct {
			Month    string `json:"month"`
			Records  int    `json:"records"`
			Complete bool   `json:"complete"`
			Verified *bool  `json:"verified"`
		} `json:"files"`
	}
	if err := json.Unmarshal([]byte(out), &list); err != nil || len(list.Files) != 1 || list.Files[0].Records != 6000 ||
		!list.Files[0].Complete || list.Files[0].Verified == nil || !*list.Files[0].Verified || strings.Contains(out, "hash_state") {
		t.Fatalf("archive list: %v\n%s", err, out)
	}
	csvPath := filepath.Join(t.TempDir(), "march.csv")
	if code, _, errOut := run(t, "archive", "export", "-data", dir, "-month", "2025-03", "-format", "csv", "-o", csvPath); code != 0 {
		t.Fatalf("archive export: %s", errOut)
	}
	raw, _ := os.ReadFile(csvPath)
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	if len(lines) != 6001 || !strings.HasPrefix(lines[1], "gw1/s00000,gw1,s00000,'=cmd") {
		t.Fatalf("csv: %d lines, first %q", len(lines), lines[1])
	}
	if code, _, errOut := run(t, "archive", "export", "-data", dir, "-month", "2025-07"); code != 1 || !strings.Contains(errOut, "nothing archived") {
		t.Fatalf("export of an empty month: %d %s", code, errOut)
	}

	code, out, errOut = run(t, "store", "compact", "-data", dir, "-json")
	if code != 0 {
		t.Fatalf("store compact: %s", errOut)
	}
	var sizes struct{ Before, After int64 }
	json.Unmarshal([]byte(strings.ReplaceAll(out, "_bytes", "")), &sizes)
	if sizes.After == 0 || sizes.After >= sizes.Before/2 {
		t.Fatalf("store compact: %s", out)
	}
	if code, out, errOut := run(t, "nas", "list", "-data", dir); code != 0 || !strings.Contains(out, "gw1") {
		t.Fatalf("after compact: %d %s %s", code, out, errOut)
	}
}
