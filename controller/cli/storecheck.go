package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/wifihk/wifihk/controller"
	"github.com/wifihk/wifihk/internal/datadir"
	"github.com/wifihk/wifihk/internal/journal"
	"github.com/wifihk/wifihk/internal/store"
)

// errDamage makes store check exit 1 once it has printed what it found.
var errDamage = errors.New("damage found; see above")

// storeCheck is what store check found and did.
type storeCheck struct {
	Damaged  []store.DamagedRecord `json:"damaged"`
	Journals map[string]string     `json:"journals"` // path -> "ok" or the error
	Aside    string                `json:"aside,omitempty"`
}

// runStoreCheck checks a stopped data dir's database record by record
// and its journals, and with -repair moves damaged records aside: it
// first copies the database file, then writes each damaged record's bytes
// to a file, then deletes them, all under DIR/damaged-TIME.
func runStoreCheck(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("wifihk store check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("data", datadir.Default, "data directory")
	repair := fs.Bool("repair", false, "move damaged records aside (copies of the database and of each record are kept)")
	asJSON := fs.Bool("json", false, "print one JSON object with the result")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		fmt.Fprintln(stderr, "usage: wifihk store check -data DIR [-repair]")
		return errUsage
	}
	d := datadir.Dir(*dir)
	if err := stopped(*dir); err != nil {
		return err
	}
	res := storeCheck{Journals: map[string]string{}}
	bad := false
	for _, path := range []string{d.AccountingJournal(), d.ReportsJournal()} {
		res.Journals[path] = "ok"
		if err := journal.Check(path); err != nil {
			res.Journals[path], bad = err.Error(), true
		}
	}
	_, db, err := controller.OpenDataDir(*dir, "")
	if err != nil {
		return err
	}
	defer db.Close()
	if res.Damaged, err = db.CheckRecords(); err != nil {
		return fmt.Errorf("%w; the file is left as it is: restore the last backup (wifihk backup) into %s", err, d.DB())
	}
	if len(res.Damaged) > 0 && *repair {
		if res.Aside, err = moveAside(db, *dir, res.Damaged); err != nil {
			return err
		}
	}
	bad = bad || len(res.Damaged) > 0 && !*repair
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(res); err != nil {
			return err
		}
	} else {
		printCheck(stdout, res)
	}
	if bad {
		return errDamage
	}
	return nil
}

func printCheck(w io.Writer, res storeCheck) {
	for path, st := range res.Journals {
		fmt.Fprintf(w, "%s: %s\n", path, st)
	}
	fmt.Fprintf(w, "database: %d damaged records\n", len(res.Damaged))
	for _, r := range res.Damaged {
		fmt.Fprintf(w, "  %s: %s\n", r, r.Reason)
	}
	switch {
	case res.Aside != "":
		fmt.Fprintf(w, "moved them aside: %s holds a copy of the database as it was and each record's bytes (records.jsonl)\n", res.Aside)
	case len(res.Damaged) > 0:
		fmt.Fprintln(w, "run again with -repair to move them aside (copies are kept)")
	}
}

// moveAside copies the database and the damaged records under
// DIR/damaged-TIME, then deletes the records from the database.
func moveAside(db *store.DB, dir string, recs []store.DamagedRecord) (string, error) {
	aside := filepath.Join(dir, "damaged-"+time.Now().UTC().Format("20060102T150405Z"))
	if err := os.Mkdir(aside, 0o700); err != nil {
		return "", fmt.Errorf("store check: %w", err)
	}
	if _, err := db.BackupFile(filepath.Join(aside, filepath.Base(datadir.Dir(dir).DB()))); err != nil {
		return "", err
	}
	f, err := os.OpenFile(filepath.Join(aside, "records.jsonl"), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", fmt.Errorf("store check: %w", err)
	}
	err = db.MoveAside(recs, f)
	if serr := f.Sync(); err == nil {
		err = serr
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return aside, err
}
