package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wifihk/wifihk/accounting"
	"github.com/wifihk/wifihk/controller"
	"github.com/wifihk/wifihk/internal/datadir"
	"github.com/wifihk/wifihk/internal/store"
)

// TestDamagedSessionRecord: one session record that does not decode no
// longer makes `session list` fail: the good ones are listed; `store
// check` names the bad one and exits 1; `store check -repair` moves it
// aside, keeping a copy of the database and of the record's bytes; the
// next check is clean.
func TestDamagedSessionRecord(t *testing.T) {
	dir := t.TempDir()
	_, db, err := controller.OpenDataDir(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	st, err := accounting.Open(db, datadir.Dir(dir).AccountingJournal(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"a", "b", "c"} {
		if _, err := st.Apply(accounting.Update{NAS: "nas1", AcctID: id, Status: accounting.Start, Username: "u", At: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	// A flipped bit in b's record: no longer JSON.
	err = db.Update(func(tx *store.Tx) error {
		return tx.PutRaw(store.Sessions, "s/nas1\x00b", []byte(`{"id":"nas1/b","nas`))
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}

	code, out, errOut := run(t, "session", "list", "-data", dir)
	if code != 0 || !strings.Contains(out, "nas1/a") || !strings.Contains(out, "nas1/c") || !strings.Contains(errOut, "1 damaged records") {
		t.Fatalf("session list: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = run(t, "store", "check", "-data", dir)
	if code != 1 || !strings.Contains(out, "1 damaged records") || !strings.Contains(out, "sessions/s/nas1") || !strings.Contains(out, "-repair") {
		t.Fatalf("store check: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = run(t, "store", "check", "-data", dir, "-repair")
	if code != 0 || !strings.Contains(out, "moved them aside") {
		t.Fatalf("store check -repair: exit %d\n%s%s", code, out, errOut)
	}
	kept, _ := filepath.Glob(filepath.Join(dir, "damaged-*", "*"))
	if len(kept) != 2 {
		t.Fatalf("kept %v, want the database copy and records.jsonl", kept)
	}
	for _, k := range kept {
		if b, _ := os.ReadFile(k); filepath.Base(k) == "records.jsonl" && !strings.Contains(string(b), `"key":"s/nas1\u0000b"`) {
			t.Errorf("records.jsonl: %s", b)
		}
	}
	if code, out, errOut := run(t, "store", "check", "-data", dir); code != 0 || !strings.Contains(out, "0 damaged records") {
		t.Fatalf("check after repair: exit %d\n%s%s", code, out, errOut)
	}
}
