// Package bench is the wifihk-bench command line: load generators for a
// RADIUS server, the captive portal and agent ingest. They live outside the
// controller so that the server binary links none of them.
package bench

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
)

// command is one load generator.
type command struct {
	name, usage, summary string
	run                  func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

var commands = []command{
	{"radius", "[-server HOST:PORT] [-secret S] [-mode auth|acct] [-c 64] [-d 10s]",
		"load-test a RADIUS server (PAP with Message-Authenticator, or Interim-Updates)", runRADIUS},
	{"portal", "[-mode landing|login] [-rate 2000] [-d 10s] [-c 64] [-url URL | -portal URL -nasid demo -uamsecret S] [-radius ADDR -secret S -server-pid PID]",
		"load-test the landing page or click-through logins at a fixed rate; latency counted from each scheduled time", runPortal},
	{"agents", "[-n 50000] [-clients 25] [-interval 60s] [-d 60s] [-controller URL -tokens FILE]",
		"load-test agent report ingest with simulated APs", runAgents},
}

// errUsage is returned for bad command-line use; the message has been printed.
var errUsage = errors.New("usage")

// Run runs the command line args (without the program name) and returns the
// process exit code.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	for _, c := range commands {
		if len(args) == 0 || args[0] != c.name {
			continue
		}
		err := c.run(ctx, args[1:], stdout, stderr)
		switch {
		case err == nil:
			return 0
		case errors.Is(err, errUsage), errors.Is(err, flag.ErrHelp):
			return 2
		default:
			fmt.Fprintf(stderr, "wifihk-bench %s: %v\n", c.name, err)
			return 1
		}
	}
	fmt.Fprintln(stderr, "usage: wifihk-bench COMMAND [flags]   (each also takes -json)")
	for _, c := range commands {
		fmt.Fprintf(stderr, "  wifihk-bench %s %s\n      %s\n", c.name, c.usage, c.summary)
	}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		return 0
	}
	fmt.Fprintf(stderr, "wifihk-bench: unknown command %q\n", args[0])
	return 2
}
