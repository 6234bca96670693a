package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/wifihk/wifihk/controller"
	"github.com/wifihk/wifihk/internal/datadir"
	"github.com/wifihk/wifihk/internal/secrets"
	"github.com/wifihk/wifihk/internal/store"
	"github.com/wifihk/wifihk/internal/store/postgres"
)

// runStoreMigrate copies a whole store from one backend to another: a data
// dir's bbolt file to PostgreSQL, which the dir then uses, or back. The
// journals of the dir are applied to the source first. The server must be
// stopped (bbolt's lock enforces it for a data dir).
func runStoreMigrate(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("wifihk store migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	from := fs.String("from", "", "source: a data dir or postgres://…")
	to := fs.String("to", "", "destination, empty: a data dir or postgres://…")
	asJSON := fs.Bool("json", false, "print one JSON object with the result")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *from == "" || *to == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "usage: wifihk store migrate -from DIR|postgres://… -to DIR|postgres://…")
		return errUsage
	}
	src, err := openSource(*from, *to, stdout, stderr)
	if err != nil {
		return fmt.Errorf("from: %w", err)
	}
	defer src.close()
	var dst *store.DB
	if controller.IsStoreURL(*to) {
		dst, err = postgres.OpenBulk(*to, store.Options{}) // one transaction copies it all
	} else {
		dst, err = store.Open(*to, store.Options{}) // the bbolt file, whatever the dir remembered
	}
	if err != nil {
		return fmt.Errorf("to: %w", err)
	}
	counts, err := src.DB.CopyTo(dst)
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	// The data dir now runs on what it was copied to.
	switch {
	case !controller.IsStoreURL(*from) && controller.IsStoreURL(*to):
		err = controller.RememberStore(*from, *to)
	case !controller.IsStoreURL(*to):
		err = controller.RememberStore(*to, "")
	}
	if err != nil {
		return err
	}
	e := &Env{Stdout: stdout, JSON: *asJSON}
	total := 0
	var text strings.Builder
	for _, b := range slices.Sorted(maps.Keys(counts)) {
		total += counts[b]
		fmt.Fprintf(&text, "  %-14s %d\n", b, counts[b])
	}
	return e.result(map[string]any{"from": redact(*from), "to": redact(*to), "records": counts, "total": total},
		"copied %d records from %s to %s, counts checked:\n%s", total, redact(*from), redact(*to), text.String())
}

// openSource opens the store to copy, with its data dir's journals
// applied: a data dir's bbolt file, or a PostgreSQL database (through the
// destination data dir when that dir runs on it, so that its journals are
// applied too).
func openSource(from, to string, stdout, stderr io.Writer) (*Env, error) {
	if controller.IsStoreURL(from) {
		if raw, err := os.ReadFile(datadir.Dir(to).StoreURL()); err == nil && strings.TrimSpace(string(raw)) == from {
			return openEnv(to, stdout, stderr)
		}
		db, err := postgres.OpenBulk(from, store.Options{}) // one snapshot reads it all
		if err != nil {
			return nil, err
		}
		return &Env{DB: db}, nil
	}
	if _, err := os.Stat(datadir.Dir(from).StoreURL()); err == nil {
		return nil, errors.New(from + " runs on PostgreSQL (" + datadir.Dir(from).StoreURL() + "): migrate from that URL")
	}
	if _, err := os.Stat(datadir.Dir(from).DB()); err != nil {
		return nil, err
	}
	sealer, err := secrets.Load(from)
	if err != nil {
		return nil, err
	}
	db, err := store.Open(from, store.Options{Key: sealer.Key})
	if err != nil {
		return nil, err
	}
	return newEnv(from, db, sealer, stdout, stderr)
}

// redact hides a URL's password.
func redact(s string) string {
	if !controller.IsStoreURL(s) {
		return s
	}
	scheme, rest, _ := strings.Cut(s, "://")
	userinfo, host, ok := strings.Cut(rest, "@")
	if !ok {
		return s
	}
	if user, _, ok := strings.Cut(userinfo, ":"); ok {
		return scheme + "://" + user + ":xxxxx@" + host
	}
	return s
}
