package bench

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"

	"github.com/wifihk/wifihk/bench/portalload"
)

// runPortal load-tests the portal at a fixed rate (open loop,
// latency counted from each request's scheduled time): the landing page,
// or complete click-through logins through a gateway of its own.
func runPortal(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("wifihk-bench portal", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c portalload.Config
	mode := fs.String("mode", "landing", "landing (GET the landing page) or login (portal POST + the gateway's CHAP Access-Request)")
	fs.StringVar(&c.URL, "url", "", "landing: fetch this URL every time (default: a fresh UAM redirect per request, see -portal)")
	portalURL := fs.String("portal", "http://127.0.0.1:8080/portal", "the landing page as the gateway knows it")
	nasid := fs.String("nasid", "demo", "NAS-Identifier of the NAS at 127.0.0.1")
	uamsecret := fs.String("uamsecret", "uamsecret", "that NAS's UAM secret, which signs md (\"\" for none)")
	radiusAddr := fs.String("radius", "127.0.0.1:1812", "login: the server's RADIUS authentication address")
	secret := fs.String("secret", "testing123", "login: that NAS's RADIUS secret")
	pid := fs.Int("server-pid", 0, "login: the server's process ID, to report its CPU time per login (Linux)")
	fs.Float64Var(&c.Rate, "rate", 2000, "requests (or logins) a second to schedule")
	fs.DurationVar(&c.Duration, "d", 0, "how long to schedule them (default 10s; logins 5s)")
	fs.IntVar(&c.Connections, "c", 0, "most in flight at once (default 64; logins 256)")
	fs.DurationVar(&c.Timeout, "timeout", 0, "per-request timeout from its scheduled time (default 2s; logins 5s)")
	asJSON := fs.Bool("json", false, "print one JSON object")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	var res portalload.Result
	var err error
	switch *mode {
	case "landing":
		if c.URL == "" {
			c.URLFor = portalload.Landing(*portalURL, *nasid, *uamsecret)
		}
		res, err = portalload.Run(ctx, c)
	case "login":
		res, err = portalload.RunLogins(ctx, portalload.LoginConfig{PortalURL: *portalURL, RADIUSAddr: *radiusAddr,
			Secret: *secret, NASID: *nasid, UAMSecret: *uamsecret, Rate: c.Rate, Duration: c.Duration,
			Connections: c.Connections, Timeout: c.Timeout, ServerPID: *pid})
	default:
		fmt.Fprintf(stderr, "wifihk-bench portal: -mode %q is not landing or login\n", *mode)
		return errUsage
	}
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(res)
	}
	_, err = fmt.Fprintln(stdout, res)
	return err
}
