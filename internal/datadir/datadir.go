// Package datadir names the files of a controller's data directory. It is
// the one place that spells them: `serve`, the admin commands and the bench
// tools all ask a Dir for a path instead of joining names of their own.
//
// A data dir holds:
//
//	wifihk.db            the bbolt store (internal/store)
//	store.url            the PostgreSQL store used instead, when there is one (controller: serve -store)
//	master.key           the key that seals secrets in the store (internal/secrets); back it up separately
//	accounting.journal   accounting packets made durable before they are applied (accounting)
//	reports.journal      agent reports made durable before they are applied (telemetry)
//	wifihk.sock          the admin commands' control socket while serve runs (controller/cli)
//	outbox.jsonl         sign-up and reset codes for an operator or relay to deliver (portal)
//	demo-tls/cert.pem    the self-signed certificate of `serve -demo`, and its key demo-tls/key.pem
package datadir

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Default is the data dir when none is given.
const Default = "./wifihk-data"

// Dir is a data directory's path.
type Dir string

// Create makes the directory (mode 0750) if it does not exist.
func (d Dir) Create() error {
	if err := os.MkdirAll(string(d), 0o750); err != nil {
		return fmt.Errorf("datadir: %w", err)
	}
	return nil
}

func (d Dir) join(elem ...string) string {
	return filepath.Join(append([]string{string(d)}, elem...)...)
}

// DB is the store's file.
func (d Dir) DB() string { return d.join("wifihk.db") }

// StoreURL is the file naming the PostgreSQL store that serves this data
// dir instead of its bbolt file.
func (d Dir) StoreURL() string { return d.join("store.url") }

// MasterKey is the file of the key that seals secrets in the store.
func (d Dir) MasterKey() string { return d.join("master.key") }

// AccountingJournal is the accounting write-ahead journal.
func (d Dir) AccountingJournal() string { return d.join("accounting.journal") }

// ReportsJournal is the agent reports' write-ahead journal.
func (d Dir) ReportsJournal() string { return d.join("reports.journal") }

// ControlSocket is the Unix socket on which a running server takes admin
// commands.
func (d Dir) ControlSocket() string { return d.join("wifihk.sock") }

// Outbox is the file the default code sender appends to.
func (d Dir) Outbox() string { return d.join("outbox.jsonl") }

// Archive is where closed sessions are archived by default.
func (d Dir) Archive() string { return d.join("archive") }

// DemoTLS is the directory of the demo's self-signed certificate.
func (d Dir) DemoTLS() string { return d.join("demo-tls") }

// DemoCert is the demo certificate.
func (d Dir) DemoCert() string { return d.join("demo-tls", "cert.pem") }

// DemoEAP is the directory of the demo's EAP CA and server certificate.
func (d Dir) DemoEAP() string { return d.join("demo-eap") }

// DemoKey is the demo certificate's private key.
func (d Dir) DemoKey() string { return d.join("demo-tls", "key.pem") }

// ErrDamaged means an initialised data dir lacks its database or its master
// key. Such a dir is never initialised afresh: that would put an empty
// registry (or a key that opens nothing) where the operator expects theirs.
var ErrDamaged = errors.New("datadir: initialised data dir is missing files")

// Check says whether the data dir may be opened: fresh is true when it holds
// none of the database, the master key and the journals (a new dir, which
// the caller may initialise); err wraps ErrDamaged when it holds some but
// lacks the database (or has an empty one) or the master key, and says what
// to do. Every opener of a data dir (serve, the admin commands) calls it
// first; the journals are never touched here.
func (d Dir) Check() (fresh bool, err error) {
	dbSize, dbErr := size(d.DB())
	if dbErr != nil {
		return false, dbErr
	}
	var present, missing []string
	if _, err := os.Stat(d.StoreURL()); err == nil { // the database is PostgreSQL
		present = append(present, filepath.Base(d.StoreURL()))
	} else if dbSize > 0 {
		present = append(present, filepath.Base(d.DB()))
	} else {
		missing = append(missing, filepath.Base(d.DB()))
	}
	for _, p := range []string{d.MasterKey(), d.AccountingJournal(), d.ReportsJournal()} {
		_, err := os.Stat(p)
		switch {
		case err == nil:
			present = append(present, filepath.Base(p))
		case errors.Is(err, fs.ErrNotExist):
			if p == d.MasterKey() {
				missing = append(missing, filepath.Base(p))
			}
		default:
			return false, fmt.Errorf("datadir: %w", err)
		}
	}
	switch {
	case len(present) == 0:
		return true, nil
	case len(missing) == 0:
		return false, nil
	}
	var todo []string
	for _, m := range missing {
		switch m {
		case filepath.Base(d.DB()):
			what := "missing"
			if dbSize == 0 {
				if _, err := os.Stat(d.DB()); err == nil {
					what = "empty"
				}
			}
			todo = append(todo, fmt.Sprintf("the database %s is %s: restore it from a backup made by wifihk backup into %s", m, what, d.DB()))
		default:
			todo = append(todo, fmt.Sprintf("the master key %s is missing: restore it from its separate backup into %s (without it the database's sealed secrets cannot be opened, and a new key is not made)", m, d.MasterKey()))
		}
	}
	return false, fmt.Errorf("%w: %s holds %s but %s; the files present are kept untouched, and the journals are replayed into the restored database on the next start. If this dir has never served (a first start that failed), move it away and start afresh",
		ErrDamaged, string(d), strings.Join(present, ", "), strings.Join(todo, "; and "))
}

// size is the file's size, 0 when it does not exist.
func size(path string) (int64, error) {
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("datadir: %w", err)
	}
	return fi.Size(), nil
}

// HasJournal says whether either journal file exists: a database is then
// never created afresh beside it (store.Open).
func (d Dir) HasJournal() bool {
	for _, p := range []string{d.AccountingJournal(), d.ReportsJournal()} {
		if _, err := os.Stat(p); err == nil {
			return true
		}
	}
	return false
}
