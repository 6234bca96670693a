package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/wifihk/wifihk/internal/datadir"
	"github.com/wifihk/wifihk/internal/store"
)

// runStoreCompact rewrites a stopped data dir's bbolt file without the
// pages that purges freed (store.CompactFile).
func runStoreCompact(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("wifihk store compact", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("data", datadir.Default, "data directory")
	asJSON := fs.Bool("json", false, "print one JSON object with the result")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		fmt.Fprintln(stderr, "usage: wifihk store compact -data DIR")
		return errUsage
	}
	d := datadir.Dir(*dir)
	if _, err := os.Stat(d.StoreURL()); err == nil {
		return fmt.Errorf("%s keeps its records in PostgreSQL, which gives space back with VACUUM (autovacuum, or VACUUM FULL while stopped), not store compact", *dir)
	}
	if err := stopped(string(d)); err != nil {
		return err
	}
	if _, err := d.Check(); err != nil {
		return err
	}
	before, after, err := store.CompactFile(d.DB(), store.Options{})
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(map[string]any{"file": d.DB(), "before_bytes": before, "after_bytes": after})
	}
	fmt.Fprintf(stdout, "%s: %d -> %d bytes (%.0f%% given back)\n", d.DB(), before, after, 100*float64(before-after)/float64(max(before, 1)))
	return nil
}
