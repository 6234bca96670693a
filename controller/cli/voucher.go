package cli

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/wifihk/wifihk/portal"
	"github.com/wifihk/wifihk/visitors"
)

func cmdVoucherCreate(_ context.Context, e *Env, args []string) error {
	fs := flags(e, "voucher create")
	var spec visitors.VoucherSpec
	fs.IntVar(&spec.Count, "count", 10, "how many codes (1-1000)")
	fs.DurationVar(&spec.Duration, "duration", time.Hour, "length of each session, e.g. 30m, 2h")
	fs.IntVar(&spec.Uses, "uses", 1, "logons each code allows")
	fs.Int64Var(&spec.DataCapMB, "data-cap", 0, "data cap per session in MB (0 = none)")
	fs.IntVar(&spec.ValidDays, "valid-days", 30, "days until the codes expire")
	fs.StringVar(&spec.Org, "org", "", "organisation code the codes belong to (empty = every venue)")
	fs.StringVar(&spec.Note, "note", "", "a note on the batch")
	print := fs.String("print", "", "also write a printable HTML page of the codes to this file")
	lang := fs.String("lang", "en", "language of the printable page: en, zh-Hant or zh-Hans")
	if err := parse(fs, args); err != nil {
		return err
	}
	spec.CreatedBy = "cli"
	b, err := visitors.New(e.DB, e.Sealer).CreateVouchers(spec)
	if err != nil {
		return err
	}
	if *print != "" {
		f, err := os.OpenFile(*print, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
		if err != nil {
			return fmt.Errorf("print: %w", err)
		}
		err = portal.VoucherPage(f, b, *lang)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("print: %w", err)
		}
	}
	codes := make([]string, len(b.Codes))
	for i, c := range b.Codes {
		codes[i] = visitors.FormatVoucher(c)
	}
	return e.result(map[string]any{"id": b.ID, "codes": b.Codes, "duration_s": b.Duration, "uses": b.Uses,
		"data_cap_mb": b.DataCapMB, "org": b.Org, "expires_at": b.ExpiresAt, "print": *print},
		"batch %s: %d codes, %s a session, %d use(s) each, valid until %s\n%s\n",
		b.ID, len(b.Codes), spec.Duration, b.Uses, b.ExpiresAt.Format("2006-01-02"), strings.Join(codes, "\n"))
}
