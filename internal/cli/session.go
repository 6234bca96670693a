package cli

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/wifihk/wifihk/internal/sessions"
	"github.com/wifihk/wifihk/radius"
)

func cmdSessionList(_ context.Context, e *Env, args []string) error {
	fs := flags(e, "session list")
	open := fs.Bool("open", false, "only open sessions")
	limit := fs.Int("limit", 100, "at most this many (0 = all)")
	if err := parse(fs, args); err != nil {
		return err
	}
	all, err := sessions.New(e.DB).List(*open, *limit)
	if err != nil {
		return err
	}
	if e.JSON {
		if all == nil {
			all = []sessions.Session{}
		}
		return e.result(map[string]any{"sessions": all}, "")
	}
	tw := tabwriter.NewWriter(e.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tUSER\tOPEN\tSTARTED\tTIME\tIN\tOUT\tCAUSE")
	for _, s := range all {
		fmt.Fprintf(tw, "%s\t%s\t%v\t%s\t%ds\t%d\t%d\t%s\n", s.ID, s.Username, s.Open,
			s.Started.Format(time.DateTime), s.SessionTime, s.InputOctets, s.OutputOctets, s.TerminateCause)
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
	s, err := findSession(sessions.New(e.DB), fs.Arg(0), e.Remote)
	if err != nil {
		return err
	}
	target, err := disconnectTarget(e, s)
	if err != nil {
		return err
	}
	c := radius.CoAClient{Timeout: *timeout}
	res, err := c.Disconnect(ctx, target)
	if err != nil {
		return err
	}
	out := map[string]any{"id": s.ID, "nas": s.NAS, "to": target.NASAddr.String(), "result": res.Code,
		"ack": res.ACK, "error_cause": res.ErrorCause, "rtt_ms": res.RTT.Milliseconds()}
	if err := e.result(out, "%s: %s from %s %s\n", s.ID, res.Code, target.NASAddr, res.ErrorCause); err != nil {
		return err
	}
	if !res.ACK {
		return errors.New("the NAS refused the disconnect")
	}
	return nil
}

// findSession looks id up. Through the control socket, a positional
// argument arrives made absolute (as if it were a file), so there the
// shortest suffix that names a session is taken.
func findSession(st *sessions.Store, id string, remote bool) (sessions.Session, error) {
	s, err := st.Get(id)
	if err == nil || !remote || !strings.HasPrefix(id, "/") {
		return s, err
	}
	parts := strings.Split(id, "/")
	for i := len(parts) - 2; i >= 1; i-- {
		if s, err2 := st.Get(strings.Join(parts[i:], "/")); err2 == nil {
			return s, nil
		}
	}
	return s, err
}

// disconnectTarget finds where and how to reach the session's NAS: the
// address it sent accounting from, its CoA port and its own secret.
func disconnectTarget(e *Env, s sessions.Session) (radius.DisconnectTarget, error) {
	n, err := e.Registry.NASByID(s.NAS)
	if err != nil {
		return radius.DisconnectTarget{}, fmt.Errorf("NAS %q: %w", s.NAS, err)
	}
	addr, err := netip.ParseAddr(s.NASAddr)
	if err != nil {
		if !n.Prefix.IsSingleIP() {
			return radius.DisconnectTarget{}, fmt.Errorf("session %s: no NAS address recorded and NAS %s covers %s", s.ID, n.Name, n.Prefix)
		}
		addr = n.Prefix.Addr()
	}
	_, secret, ok := e.Registry.NASForAddr(addr)
	if !ok {
		return radius.DisconnectTarget{}, fmt.Errorf("NAS %s: no secret for %s", n.Name, addr)
	}
	return radius.DisconnectTarget{Username: s.Username, AcctID: s.AcctID, MAC: s.MAC, FramedIP: s.FramedIP,
		NASAddr: netip.AddrPortFrom(addr, uint16(n.CoAPort)), NASSecret: secret}, nil
}
