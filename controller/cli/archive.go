package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"text/tabwriter"

	"github.com/wifihk/wifihk/accounting"
	"github.com/wifihk/wifihk/accounting/archive"
	"github.com/wifihk/wifihk/internal/datadir"
)

// archiveFlags are the flags both archive commands take; dir is the
// archive directory they name.
func archiveFlags(name string, stderr io.Writer) (fs *flag.FlagSet, dir func() string, asJSON *bool) {
	fs = flag.NewFlagSet("wifihk "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", datadir.Default, "data directory")
	adir := fs.String("dir", "", "archive directory (default: DATA/archive, as retention.archive.dir)")
	asJSON = fs.Bool("json", false, "print one JSON object with the result")
	return fs, func() string {
		if *adir != "" {
			return *adir
		}
		return datadir.Dir(*data).Archive()
	}, asJSON
}

// runArchiveList lists the monthly archive files, verifying their
// checksums with -verify. It reads only the files, so it runs beside a
// serving controller.
func runArchiveList(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs, dir, asJSON := archiveFlags("archive list", stderr)
	verify := fs.Bool("verify", false, "check each complete file's SHA-256")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		fmt.Fprintln(stderr, "usage: wifihk archive list [-data DIR | -dir ARCHIVE] [-verify]")
		return errUsage
	}
	all, err := archive.List(dir())
	if err != nil {
		return err
	}
	type row struct {
		archive.Manifest
		HashState []byte `json:"hash_state,omitempty"` // not printed
		Verified  *bool  `json:"verified,omitempty"`
	}
	rows := make([]row, len(all))
	bad := 0
	for i, m := range all {
		rows[i].Manifest = m
		if *verify && m.Complete {
			ok := archive.Verify(dir(), m) == nil
			rows[i].Verified = &ok
			if !ok {
				bad++
			}
		}
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(map[string]any{"dir": dir(), "files": rows}); err != nil {
			return err
		}
	} else {
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "MONTH\tFILE\tRECORDS\tBYTES\tCOMPLETE\tPSEUDONYMS\tSHA-256")
		for _, r := range rows {
			sum := r.SHA256
			if r.Verified != nil && !*r.Verified {
				sum += " (MISMATCH)"
			} else if r.Verified != nil {
				sum += " (ok)"
			}
			fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%v\t%v\t%s\n", r.Month, r.File, r.Records, r.Bytes, r.Complete, r.Pseudonymised, sum)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if bad > 0 {
		return fmt.Errorf("%d archive files do not match their checksum", bad)
	}
	return nil
}

// runArchiveExport writes a month's archived sessions, checksum verified,
// as JSON Lines or CSV.
func runArchiveExport(_ context.Context, args []string, stdout, stderr io.Writer) (err error) {
	fs, dir, _ := archiveFlags("archive export", stderr)
	month := fs.String("month", "", "the month, YYYY-MM (UTC)")
	format := fs.String("format", "jsonl", "jsonl or csv")
	out := fs.String("o", "", "write to this file instead of standard output")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *month == "" || fs.NArg() != 0 {
		fmt.Fprintln(stderr, "usage: wifihk archive export [-data DIR | -dir ARCHIVE] -month YYYY-MM [-format jsonl|csv] [-o FILE]")
		return errUsage
	}
	all, err := archive.List(dir())
	if err != nil {
		return err
	}
	var files []archive.Manifest
	for _, m := range all {
		if m.Month == *month {
			files = append(files, m)
		}
	}
	if len(files) == 0 {
		return fmt.Errorf("archive: nothing archived for %q in %s", *month, dir())
	}
	w := stdout
	if *out != "" {
		f, err := os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return err
		}
		defer func() {
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}()
		w = f
	}
	bw := bufio.NewWriter(w)
	e, ok, err := archive.NewExporter(bw, *format)
	if !ok {
		fmt.Fprintf(stderr, "wifihk archive export: -format %q is not jsonl or csv\n", *format)
		return errUsage
	}
	for _, m := range files {
		if err == nil {
			err = archive.Read(dir(), m, func(ss accounting.Session) error { return e.Write(ss) })
		}
	}
	if ferr := e.Flush(); err == nil {
		err = ferr
	}
	if ferr := bw.Flush(); err == nil {
		err = ferr
	}
	return err
}
