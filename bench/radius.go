package bench

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"

	"github.com/wifihk/wifihk/bench/radload"
)

// runRADIUS load-tests a RADIUS server: wifihk or any other.
func runRADIUS(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("wifihk-bench radius", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c radload.Config
	fs.StringVar(&c.Server, "server", "127.0.0.1:1812", "RADIUS server host:port (use the accounting port with -mode acct)")
	fs.StringVar(&c.Secret, "secret", "testing123", "shared secret")
	fs.StringVar(&c.Mode, "mode", "auth", "auth (PAP Access-Request with Message-Authenticator), acct (Interim-Updates, a session per client) or acctnew (every packet an Interim-Update for a session the server has not seen)")
	fs.IntVar(&c.Concurrency, "c", 64, "concurrent clients, one request outstanding each")
	fs.DurationVar(&c.Duration, "d", 0, "how long to run (default 10s)")
	fs.DurationVar(&c.Timeout, "timeout", 0, "per-request timeout (default 2s)")
	fs.StringVar(&c.Username, "username", "demo", "auth: User-Name")
	fs.StringVar(&c.Password, "password", "demo1234", "auth: User-Password")
	fs.IntVar(&c.Sockets, "sockets", 0, "share that many sockets among the clients, with batched I/O, so the tool needs less CPU (0: a socket per client)")
	asJSON := fs.Bool("json", false, "print one JSON object")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	res, err := radload.Run(ctx, c)
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(res)
	}
	_, err = fmt.Fprintln(stdout, res)
	return err
}
