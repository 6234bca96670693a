// Package cmdline runs a program made of subcommands ("wifihk nas add",
// "wifihk-bench radius"): it finds the command named by the leading words
// of the arguments, prints the help, and turns the command's error into
// the process exit code. The wifihk and wifihk-bench commands share it.
package cmdline

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
)

// ErrUsage is returned by a command for bad command-line use whose message
// it has already printed; Run exits 2 without printing more.
var ErrUsage = errors.New("usage")

// Command is one subcommand.
type Command struct {
	Name    string // one or more words: "nas add"
	Usage   string // its flags and arguments, for the help
	Summary string // one line, for the help
	Run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

// Program is a command line made of subcommands.
type Program struct {
	Name     string    // "wifihk", also the prefix of its error messages
	Note     string    // after the help's usage line, e.g. "(each also takes -json)"
	Commands []Command // in the order the help lists them
}

// Match reports whether args start with the words of name and returns the
// arguments after them.
func Match(name string, args []string) (rest []string, ok bool) {
	words := strings.Fields(name)
	if len(args) < len(words) {
		return nil, false
	}
	for i, w := range words {
		if args[i] != w {
			return nil, false
		}
	}
	return args[len(words):], true
}

// Find returns the command that args name and the arguments after its name.
func (p Program) Find(args []string) (Command, []string, bool) {
	for _, c := range p.Commands {
		if rest, ok := Match(c.Name, args); ok {
			return c, rest, true
		}
	}
	return Command{}, nil, false
}

// Run runs the command that args (without the program name) name and
// returns the process exit code: 0 on success, 2 for bad usage (ErrUsage
// or flag.ErrHelp, or an unknown command) and 1 for any other error, which
// it prints as "NAME COMMAND: error" (with -json among the command's
// arguments, as {"command": …, "error": …}). "help", "-h", "--help" and no
// arguments print the help on stdout and exit 0; "help WORDS" lists the
// commands that start with WORDS. A group's word without a command of its
// own ("nas") lists the group's commands on stderr and exits 2.
func (p Program) Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "help" {
		group := p.group(args[1:])
		if len(args) > 1 && len(group) == 0 {
			fmt.Fprintf(stderr, "%s: no command starts with %q\n", p.Name, strings.Join(args[1:], " "))
			return 2
		}
		p.printHelp(stdout, group)
		return 0
	}
	c, rest, ok := p.Find(args)
	if !ok {
		if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
			p.PrintHelp(stdout)
			return 0
		}
		if group := p.group(args); len(group) > 0 {
			p.printHelp(stderr, group)
			fmt.Fprintf(stderr, "%s: %q needs one of the commands above\n", p.Name, strings.Join(args, " "))
			return 2
		}
		p.PrintHelp(stderr)
		fmt.Fprintf(stderr, "%s: unknown command %q\n", p.Name, strings.Join(args, " "))
		return 2
	}
	err := c.Run(ctx, rest, stdout, stderr)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, ErrUsage), errors.Is(err, flag.ErrHelp):
		return 2
	case wantsJSON(rest):
		json.NewEncoder(stderr).Encode(struct {
			Command string `json:"command"`
			Error   string `json:"error"`
		}{p.Name + " " + c.Name, err.Error()})
		return 1
	default:
		fmt.Fprintf(stderr, "%s %s: %v\n", p.Name, c.Name, err)
		return 1
	}
}

// wantsJSON reports whether a command's arguments ask for JSON output
// (-json), so that its error is one JSON object too.
func wantsJSON(args []string) bool {
	for _, a := range args {
		switch a {
		case "-json", "--json", "-json=true", "--json=true":
			return true
		case "--":
			return false
		}
	}
	return false
}

// PrintHelp lists the commands with their usage and summary.
func (p Program) PrintHelp(w io.Writer) { p.printHelp(w, p.Commands) }

func (p Program) printHelp(w io.Writer, cmds []Command) {
	fmt.Fprintf(w, "usage: %s COMMAND [flags]", p.Name)
	if p.Note != "" {
		fmt.Fprintf(w, "   %s", p.Note)
	}
	fmt.Fprintln(w)
	for _, c := range cmds {
		fmt.Fprintf(w, "  %s %s %s\n      %s\n", p.Name, c.Name, c.Usage, c.Summary)
	}
}

// group returns the commands whose names start with the leading words of
// args that some command's name starts with, the most such words first;
// every command for no args.
func (p Program) group(args []string) []Command {
	for n := len(args); n > 0; n-- {
		var cmds []Command
		for _, c := range p.Commands {
			if words := strings.Fields(c.Name); len(words) > n && slices.Equal(words[:n], args[:n]) {
				cmds = append(cmds, c)
			}
		}
		if len(cmds) > 0 {
			return cmds
		}
	}
	if len(args) == 0 {
		return p.Commands
	}
	return nil
}

// Main is a command's main: it runs run with the process's arguments and
// standard streams, under a context that ends on SIGINT or SIGTERM, and
// exits with the code run returns.
func Main(run func(ctx context.Context, args []string, stdout, stderr io.Writer) int) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
