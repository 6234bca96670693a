package cli

import (
	"context"
	"fmt"

	"github.com/wifihk/wifihk/internal/datadir"
)

func cmdBackup(_ context.Context, e *Env, args []string) error {
	fs := flags(e, "backup")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(e.Stderr, "usage: wifihk backup -data DIR FILE")
		return errUsage
	}
	path := fs.Arg(0)
	if e.Sessions != nil {
		if err := e.Sessions.Sync(); err != nil { // accounting acknowledged so far is in the copy
			return err
		}
	}
	if e.Telemetry != nil {
		if err := e.Telemetry.Sync(); err != nil { // and so are agent reports
			return err
		}
	}
	n, err := e.DB.BackupFile(path)
	if err != nil {
		return err
	}
	text := "wrote %s (%d bytes); back up %s separately\n"
	if e.DB.Path() == "" { // PostgreSQL: the copy is a bbolt file
		text += "the store is PostgreSQL: the copy is a bbolt file that serve -data can run on;\n" +
			"the database's own backup is pg_dump -Fc -t 'wifihk_*' (restore with pg_restore, or store migrate from a copy)\n"
	}
	return e.result(map[string]any{"file": path, "bytes": n, "live": e.Remote},
		text, path, n, datadir.Dir(e.DataDir).MasterKey())
}
