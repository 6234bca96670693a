package bench

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"

	"github.com/wifihk/wifihk/bench/radsecload"
)

// runRadSec load-tests a RadSec server: wifihk or any other.
func runRadSec(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("wifihk-bench radsec", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c radsecload.Config
	fs.StringVar(&c.Server, "server", "127.0.0.1:2083", "RadSec server host:port")
	fs.StringVar(&c.CA, "ca", "", "PEM file of the server's CA")
	fs.StringVar(&c.Cert, "cert", "", "client certificate (PEM)")
	fs.StringVar(&c.Key, "key", "", "client key (PEM)")
	fs.StringVar(&c.ServerName, "servername", "", "name the server certificate must carry (default the host of -server)")
	fs.StringVar(&c.Mode, "mode", "auth", "auth (PAP Access-Request) or status (Status-Server)")
	fs.IntVar(&c.Conns, "conns", 100, "TLS connections")
	fs.IntVar(&c.PerConn, "c", 1, "requests outstanding on each connection")
	fs.DurationVar(&c.Duration, "d", 0, "how long to run (default 10s)")
	fs.StringVar(&c.Username, "username", "demo", "auth: User-Name")
	fs.StringVar(&c.Password, "password", "demo1234", "auth: User-Password")
	asJSON := fs.Bool("json", false, "print one JSON object")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	res, err := radsecload.Run(ctx, c)
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(res)
	}
	_, err = fmt.Fprintln(stdout, res)
	return err
}
