package cli

import (
	"context"
	"errors"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/wifihk/wifihk/accounting"
	"github.com/wifihk/wifihk/radius"
)

func cmdSessionList(_ context.Context, e *Env, args []string) error {
	fs := flags(e, "session list")
	open := fs.Bool("open", false, "only open sessions")
	limit := fs.Int("limit", 100, "the newest this many, newest first (0 = all)")
	if err := parse(fs, args); err != nil {
		return err
	}
	all, err := e.Sessions.Newest(*open, *limit)
	if err != nil {
		return err
	}
	if e.DB != nil {
		if err := e.DB.DamageError(); err != nil {
			fmt.Fprintln(e.Stderr, "warning:", err) // the good records are listed
		}
	}
	if e.JSON {
		if all == nil {
			all = []accounting.Session{}
		}
		return e.result(map[string]any{"sessions": all}, "")
	}
	tw := tabwriter.NewWriter(e.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tUSER\tOPEN\tSTARTED\tTIME\tIN\tOUT\tCAUSE")
	for _, s := range all {
		cause := s.TerminateCause
		if s.Stale {
			cause += " (stale: closed by wifihk)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%v\t%s\t%ds\t%d\t%d\t%s\n", s.ID, s.Username, s.Open,
			s.Started.Format(time.DateTime), s.SessionTime, s.InputOctets, s.OutputOctets, cause)
	}
	return tw.Flush()
}

func cmdSessionDisconnect(ctx context.Context, e *Env, args []string) error {
	fs := flags(e, "session disconnect")
	timeout := fs.Duration("timeout", 2*time.Second, "wait this long for each try")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(e.Stderr, "usage: wifihk session disconnect -data DIR NAS/ACCT-SESSION-ID")
		return errUsage
	}
	s, err := e.Sessions.Get(fs.Arg(0))
	if err != nil {
		return err
	}
	d := radius.Disconnecter{NAS: e.Registry, Client: radius.CoAClient{Timeout: *timeout, Stream: e.CoA}}
	res, err := d.Disconnect(ctx, s)
	if err != nil {
		return err
	}
	out := map[string]any{"id": s.ID, "nas": s.NAS, "to": res.To.String(), "result": res.Code,
		"ack": res.ACK, "error_cause": res.ErrorCause, "rtt_ms": res.RTT.Milliseconds()}
	if err := e.result(out, "%s: %s from %s %s\n", s.ID, res.Code, res.To, res.ErrorCause); err != nil {
		return err
	}
	if !res.ACK {
		return errors.New("the NAS refused the disconnect")
	}
	return nil
}
