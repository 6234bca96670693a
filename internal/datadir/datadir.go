// Package datadir names the files of a controller's data directory. It is
// the one place that spells them: `serve`, the admin commands and the bench
// tools all ask a Dir for a path instead of joining names of their own.
//
// A data dir holds:
//
//	wifihk.db            the bbolt store (internal/store)
//	master.key           the key that seals secrets in the store (internal/secrets); back it up separately
//	accounting.journal   accounting packets made durable before they are applied (accounting)
//	reports.journal      agent reports made durable before they are applied (telemetry)
//	wifihk.sock          the admin commands' control socket while serve runs (controller/cli)
//	outbox.jsonl         sign-up and reset codes for an operator or relay to deliver (portal)
//	demo-tls/cert.pem    the self-signed certificate of `serve -demo`, and its key demo-tls/key.pem
package datadir

import (
	"fmt"
	"os"
	"path/filepath"
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

// DemoTLS is the directory of the demo's self-signed certificate.
func (d Dir) DemoTLS() string { return d.join("demo-tls") }

// DemoCert is the demo certificate.
func (d Dir) DemoCert() string { return d.join("demo-tls", "cert.pem") }

// DemoKey is the demo certificate's private key.
func (d Dir) DemoKey() string { return d.join("demo-tls", "key.pem") }
