package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"

	"github.com/wifihk/wifihk/internal/datadir"
	"github.com/wifihk/wifihk/internal/journal"
)

// runJournalSalvage repairs the data dir's journals that serve refuses as
// damaged (journal.Salvage), with the server stopped: it runs on the
// files, not through an Env, since opening one would replay the journals.
func runJournalSalvage(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("wifihk journal salvage", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("data", datadir.Default, "data directory")
	asJSON := fs.Bool("json", false, "print one JSON object with the result")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		fmt.Fprintln(stderr, "usage: wifihk journal salvage -data DIR")
		return errUsage
	}
	d := datadir.Dir(*dir)
	if err := refuseIfServing(d); err != nil {
		return err
	}
	out := map[string]journal.Salvaged{}
	for _, path := range []string{d.AccountingJournal(), d.ReportsJournal()} {
		res, err := journal.Salvage(path)
		if err != nil {
			return err
		}
		out[path] = res
		if *asJSON {
			continue
		}
		switch {
		case res.Damaged:
			fmt.Fprintf(stdout, "%s: kept %d intact records, left out %d damaged bytes; the damaged file is now %s\n", path, res.Kept, res.Skipped, res.Aside)
		default:
			fmt.Fprintf(stdout, "%s: not damaged, left as it is\n", path)
		}
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	return nil
}

// refuseIfServing fails when a server answers on d's control socket: a
// command that rewrites d's files must run with the server stopped.
func refuseIfServing(d datadir.Dir) error {
	if c, err := net.Dial("unix", d.ControlSocket()); err == nil {
		c.Close()
		return fmt.Errorf("a server is running on %s: stop it first", string(d))
	}
	return nil
}
