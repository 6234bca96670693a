package bench

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"

	"github.com/wifihk/wifihk/bench/eapload"
)

// runEAP load-tests 802.1X (EAP-TTLS/PAP or PEAP/EAP-MSCHAPv2) on a RADIUS server: wifihk or any
// other.
func runEAP(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("wifihk-bench eap", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c eapload.Config
	fs.StringVar(&c.Server, "server", "127.0.0.1:1812", "RADIUS authentication server host:port")
	fs.StringVar(&c.Secret, "secret", "testing123", "shared secret")
	fs.IntVar(&c.Concurrency, "c", 16, "concurrent clients, one conversation each at a time")
	fs.DurationVar(&c.Duration, "d", 0, "how long to run (default 10s)")
	fs.StringVar(&c.Username, "username", "demo", "inner User-Name")
	fs.StringVar(&c.Password, "password", "demo1234", "inner PAP password")
	fs.StringVar(&c.CAFile, "ca", "", "CA to verify the server certificate with (default: not verified)")
	fs.StringVar(&c.ServerName, "servername", "radius.wifi.hk", "server name to verify, with -ca")
	fs.BoolVar(&c.Resume, "resume", false, "resume each client's previous TLS session")
	fs.StringVar(&c.Method, "method", "ttls", "ttls (inner PAP), peap (inner EAP-MSCHAPv2; the account needs a recoverable password) or tls (EAP-TLS with -cert and -key)")
	fs.StringVar(&c.CertFile, "cert", "", "client certificate (PEM) for -method tls, e.g. from wifihk cert issue")
	fs.StringVar(&c.KeyFile, "key", "", "its private key (PEM)")
	fs.StringVar(&c.TLS, "tls", "", "TLS version: 1.2 or 1.3 (default: the highest both support)")
	asJSON := fs.Bool("json", false, "print one JSON object")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	res, err := eapload.Run(ctx, c)
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(res)
	}
	_, err = fmt.Fprintln(stdout, res)
	return err
}
