package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"

	"github.com/wifihk/wifihk/portal/portalload"
)

// runBenchPortal load-tests a portal page at a fixed request rate (open
// loop, latency counted from each request's scheduled time).
func runBenchPortal(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("wifihk bench portal", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c portalload.Config
	fs.StringVar(&c.URL, "url", "", "fetch this URL every time (default: a fresh UAM landing URL per request, see -portal)")
	portalURL := fs.String("portal", "http://127.0.0.1:8080/portal", "without -url: the landing page to build UAM redirects for")
	nasid := fs.String("nasid", "demo", "without -url: the NAS-Identifier in the redirects")
	uamsecret := fs.String("uamsecret", "uamsecret", "without -url: the NAS's UAM secret that signs md (\"\" for none)")
	fs.Float64Var(&c.Rate, "rate", 2000, "requests a second to schedule")
	fs.DurationVar(&c.Duration, "d", 0, "how long to schedule requests (default 10s)")
	fs.IntVar(&c.Connections, "c", 0, "most concurrent requests and connections (default 64)")
	fs.DurationVar(&c.Timeout, "timeout", 0, "per-request timeout from its scheduled time (default 2s)")
	asJSON := fs.Bool("json", false, "print one JSON object")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if c.URL == "" {
		c.URLFor = portalload.Landing(*portalURL, *nasid, *uamsecret)
	}
	res, err := portalload.Run(ctx, c)
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(res)
	}
	_, err = fmt.Fprintln(stdout, res)
	return err
}
