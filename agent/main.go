package agent

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
)

// Exit codes of the wifihk-agent command.
const (
	ExitOK      = 0
	ExitError   = 1  // bad config, capture failed
	ExitUsage   = 2  // bad flags
	ExitRefused = 3  // -once: the controller refused the report for good
	ExitSpooled = 75 // -once: the report waits in the spool (EX_TEMPFAIL)
)

// Main is the wifihk-agent command line: flags over the config file, then
// Run. It returns the process exit code.
func Main(ctx context.Context, args []string, stderr io.Writer, version string) int {
	fs := flag.NewFlagSet("wifihk-agent", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "YAML config file (see configs/wifihk-agent.yaml)")
	var f Config
	fs.StringVar(&f.Controller, "controller", "", "controller base URL, e.g. https://wifi.example.hk")
	fs.StringVar(&f.Token, "token", "", "this AP's agent token (from wifihk ap add)")
	fs.StringVar(&f.Iface, "iface", "", "client-facing interface to capture on")
	fs.StringVar(&f.Pcap, "pcap", "", "pcap or pcapng file to replay instead")
	fs.DurationVar(&f.Interval, "interval", 0, "report interval (default 60s)")
	fs.StringVar(&f.SpoolDir, "spool", "", "spool directory (default /var/spool/wifihk-agent)")
	fs.BoolVar(&f.Once, "once", false, "send one report and exit (non-zero if refused)")
	fs.StringVar(&f.Gateway, "gateway", "", "gateway MAC (default: found by the agent)")
	fs.StringVar(&f.LogLevel, "log-level", "", "debug, info, warn or error")
	showVersion := fs.Bool("version", false, "print the version and exit")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return ExitOK
		}
		return ExitUsage
	}
	if *showVersion {
		fmt.Fprintln(stderr, "wifihk-agent", version)
		return ExitOK
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "wifihk-agent: unexpected argument %q\n", fs.Arg(0))
		return ExitUsage
	}
	cfg, err := LoadConfig(*cfgPath)
	if err != nil {
		fmt.Fprintln(stderr, "wifihk-agent:", err)
		return ExitError
	}
	fs.Visit(func(fl *flag.Flag) { overrideFlag(&cfg, &f, fl.Name) })

	log := NewTextLogger(stderr, ParseLevel(cfg.LogLevel))
	a, err := New(cfg, Options{Log: log, Version: version})
	if err != nil {
		fmt.Fprintln(stderr, "wifihk-agent:", err)
		return ExitError
	}
	switch err := a.Run(ctx); {
	case err == nil:
		return ExitOK
	case errors.Is(err, ErrRefused):
		fmt.Fprintln(stderr, "wifihk-agent:", err)
		return ExitRefused
	case errors.Is(err, ErrSpooled):
		fmt.Fprintln(stderr, "wifihk-agent:", err)
		return ExitSpooled
	default:
		fmt.Fprintln(stderr, "wifihk-agent:", err)
		return ExitError
	}
}

// overrideFlag copies the flag name's value from f into cfg.
func overrideFlag(cfg, f *Config, name string) {
	switch name {
	case "controller":
		cfg.Controller = f.Controller
	case "token":
		cfg.Token, cfg.TokenFile = f.Token, ""
	case "iface":
		cfg.Iface, cfg.Pcap = f.Iface, ""
	case "pcap":
		cfg.Pcap, cfg.Iface = f.Pcap, ""
	case "interval":
		cfg.Interval = f.Interval
	case "spool":
		cfg.SpoolDir = f.SpoolDir
	case "once":
		cfg.Once = f.Once
	case "gateway":
		cfg.Gateway = f.Gateway
	case "log-level":
		cfg.LogLevel = f.LogLevel
	}
}
