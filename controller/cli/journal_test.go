package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/wifihk/wifihk/internal/datadir"
	"github.com/wifihk/wifihk/internal/journal"
)

// TestJournalSalvage: `journal salvage` repairs a damaged accounting
// journal in a stopped data dir (every intact record kept, the damaged
// file moved aside) and leaves an intact one alone.
func TestJournalSalvage(t *testing.T) {
	dir := t.TempDir()
	d := datadir.Dir(dir)
	j, _, err := journal.Open(d.AccountingJournal())
	if err != nil {
		t.Fatal(err)
	}
	for seq := uint64(1); seq <= 5; seq++ {
		if err := j.Append(seq, fmt.Appendf(nil, "record %d", seq)); err != nil {
			t.Fatal(err)
		}
	}
	j.Close()
	data, _ := os.ReadFile(d.AccountingJournal())
	data[len(data)/2] ^= 1
	os.WriteFile(d.AccountingJournal(), data, 0o600)
	if _, _, err := journal.Open(d.AccountingJournal()); err == nil {
		t.Fatal("a damaged journal opened")
	}

	code, out, errOut := run(t, "journal", "salvage", "-data", dir, "-json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var got map[string]journal.Salvaged
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if r := got[d.AccountingJournal()]; !r.Damaged || r.Kept != 4 || r.Aside != d.AccountingJournal()+".damaged" {
		t.Fatalf("accounting journal: %+v", r)
	}
	if r := got[d.ReportsJournal()]; r.Damaged {
		t.Fatalf("reports journal: %+v", r)
	}
	j, recs, err := journal.Open(d.AccountingJournal())
	if err != nil || len(recs) != 4 {
		t.Fatalf("after salvage: %d records, %v", len(recs), err)
	}
	j.Close()
	if code, out, _ := run(t, "journal", "salvage", "-data", dir); code != 0 || !strings.Contains(out, "not damaged") {
		t.Fatalf("again: exit %d, %s", code, out)
	}
}
