package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/wifihk/wifihk/accounting"
	"github.com/wifihk/wifihk/controller"
	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/internal/datadir"
	"github.com/wifihk/wifihk/internal/secrets"
	"github.com/wifihk/wifihk/internal/store"
	"github.com/wifihk/wifihk/radius"
	"github.com/wifihk/wifihk/telemetry"
)

// Env is what an admin command works on.
type Env struct {
	DataDir  string
	DB       *store.DB
	Sealer   *secrets.Sealer
	Registry *hotspots.Registry
	Sessions *accounting.Store // the server's own while it runs
	// Telemetry is the server's agent ingest while it runs (nil
	// otherwise): it alone knows which reports are journaled but not yet
	// in the database.
	Telemetry *telemetry.Service
	// CoA carries Disconnect to a NAS over its open RadSec connection
	// while the server runs (nil otherwise: UDP only).
	CoA    radius.CoAStream
	Stdout io.Writer
	Stderr io.Writer
	JSON   bool // set by -json
	Remote bool // running inside the server for a client on the control socket
}

// openEnv opens the data dir for a stopped server, with its store
// (controller.OpenStore).
func openEnv(dir string, stdout, stderr io.Writer) (*Env, error) {
	// A mistyped -data would otherwise become a new, empty installation
	// with a master key of its own.
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("data dir %s does not exist: check -data (wifihk serve creates a new one)", dir)
	}
	sealer, db, err := controller.OpenDataDir(dir, "")
	if err != nil {
		return nil, err
	}
	return newEnv(dir, db, sealer, stdout, stderr)
}

// newEnv builds an Env on db, the store of data dir dir, and applies what
// a crash left in the dir's journals; it closes db when it fails.
func newEnv(dir string, db *store.DB, sealer *secrets.Sealer, stdout, stderr io.Writer) (*Env, error) {
	e := &Env{DataDir: dir, DB: db, Sealer: sealer, Stdout: stdout, Stderr: stderr}
	var err error
	e.Registry, err = hotspots.New(db, e.Sealer)
	if err == nil { // applies what a crash left in the agent reports' journal
		err = telemetry.Replay(db, datadir.Dir(dir).ReportsJournal(), nil)
	}
	if err == nil { // and in the accounting journal
		e.Sessions, err = accounting.Open(db, datadir.Dir(dir).AccountingJournal(), nil)
	}
	if err != nil {
		db.Close()
		return nil, err
	}
	return e, nil
}

func (e *Env) close() {
	if e.Sessions != nil {
		e.Sessions.Close()
	}
	e.DB.Close()
}

// dataDir finds -data in args without parsing the rest.
func dataDir(args []string) string {
	fs := flag.NewFlagSet("", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	dir := fs.String("data", datadir.Default, "")
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "-data" || a == "--data" {
			if i+1 < len(args) {
				fs.Parse(args[i : i+2])
			}
			break
		}
		if len(a) > 6 && (a[:6] == "-data=" || (len(a) > 7 && a[:7] == "--data=")) {
			fs.Parse([]string{a})
			break
		}
	}
	return *dir
}

// runAdmin runs an admin command on the data dir, or through the running
// server's control socket when the server holds the database.
func runAdmin(ctx context.Context, c command, args []string, stdout, stderr io.Writer) error {
	if wantsHelp(args) { // flag parsing answers before the store is touched
		return c.admin(ctx, &Env{Stdout: stdout, Stderr: stderr}, args)
	}
	dir := dataDir(args)
	// A running server holds the database: go through it straight away
	// rather than wait for the file lock to time out.
	if _, err := os.Stat(datadir.Dir(dir).ControlSocket()); err == nil {
		if err := callControl(ctx, dir, c, args, stdout, stderr); !errors.Is(err, errNoServer) {
			return err
		}
	}
	e, err := openEnv(dir, stdout, stderr)
	if errors.Is(err, store.ErrLocked) {
		return callControl(ctx, dir, c, args, stdout, stderr)
	}
	if err != nil {
		return err
	}
	defer e.close()
	return c.admin(ctx, e, args)
}

func wantsHelp(args []string) bool {
	for _, a := range args {
		switch a {
		case "-h", "-help", "--help", "--h":
			return true
		}
	}
	return false
}

// result prints v as JSON with -json, or text otherwise.
func (e *Env) result(v any, text string, a ...any) error {
	if e.JSON {
		enc := json.NewEncoder(e.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	_, err := fmt.Fprintf(e.Stdout, text, a...)
	return err
}
