// Package cli is the wifihk command line: serve and the admin subcommands.
package cli

import (
	"context"
	"flag"
	"io"
	"sort"

	"github.com/wifihk/wifihk/internal/cmdline"
	"github.com/wifihk/wifihk/internal/datadir"
)

// command is one subcommand. Admin commands get an Env on the data dir,
// opened directly or, while the server runs, inside the server process.
type command struct {
	name    string // "nas add"
	usage   string
	summary string
	admin   func(ctx context.Context, e *Env, args []string) error
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
	// paths names what in args is a file path, to be made absolute before
	// the command runs in the server: "FILE" is each positional argument,
	// "-x" the value of flag -x.
	paths []string
}

func commands() []command {
	return []command{
		{name: "serve", usage: "[-config FILE] [-data DIR] [-store postgres://…] [-demo] [-radius-auth ADDR] [-radius-acct ADDR] [-http ADDR] [-https ADDR]",
			summary: "run the controller", run: runServe},
		{name: "journal salvage", usage: "-data DIR", summary: "repair damaged journals, the server stopped (keeps every intact record, moves the damaged file aside)",
			run: runJournalSalvage},
		{name: "store migrate", usage: "-from DIR|postgres://… -to DIR|postgres://…",
			summary: "copy a whole store between a data dir's bbolt file and PostgreSQL, counts checked (server stopped)", run: runStoreMigrate},
		{name: "store check", usage: "-data DIR [-repair]",
			summary: "check the database record by record and the journals (server stopped); -repair moves damaged records aside, keeping copies", run: runStoreCheck},
		{name: "store compact", usage: "-data DIR", summary: "shrink a stopped data dir's bbolt file after a large purge (bbolt keeps freed pages)",
			run: runStoreCompact},
		{name: "archive list", usage: "[-data DIR | -dir ARCHIVE] [-verify]", summary: "list the monthly archives of closed sessions, checksums checked with -verify",
			run: runArchiveList},
		{name: "archive export", usage: "[-data DIR | -dir ARCHIVE] -month YYYY-MM [-format jsonl|csv] [-o FILE]",
			summary: "write a month's archived sessions, checksum verified", run: runArchiveExport},
		{name: "backup", usage: "-data DIR FILE", summary: "write a consistent copy of the database, also while serving", admin: cmdBackup, paths: []string{"FILE"}},
		{name: "nas add", usage: "-data DIR -name NAME -ip IP[/PREFIX] -secret SECRET [-hotspot ORG/ID] [-coa-port 3799]",
			summary: "register a NAS gateway with its own secret", admin: cmdNASAdd},
		{name: "nas update", usage: "-data DIR -name NAME [-ip IP[/PREFIX]] [-secret S] [-hotspot ORG/ID] [-coa-port P] [-require-message-authenticator M] [-nas-id ID] [-uam-secret S] [-portal-auth chap|pap]",
			summary: "change a NAS gateway; flags not given stay as they are", admin: cmdNASUpdate},
		{name: "nas remove", usage: "-data DIR -name NAME", summary: "remove a NAS gateway", admin: cmdNASRemove},
		{name: "nas list", usage: "-data DIR", summary: "list NAS gateways (with NAS-ID, portal auth and whether a UAM secret is set)", admin: cmdNASList},
		{name: "realm add", usage: "-data DIR -realm REALM -org CODE (-server IP:PORT -secret S)... [-acct-port P] [-timeout 3s] [-retries 1] [-forward-accounting] [-nostrip] | -radsec (-server IP[:PORT] [-ca FILE] [-server-name NAME])... [-client-cert FILE -client-key FILE] | -local",
			summary: "route a realm's visitors to its home servers over UDP or RadSec (failover in order), or keep it local", admin: cmdRealmAdd, paths: []string{"-ca", "-client-cert", "-client-key"}},
		{name: "realm update", usage: "-data DIR -realm REALM [-name NEW] (the realm as for realm add: -server [-secret]... | -radsec ... | -dynamic | -local; a UDP server without -secret keeps its own; without -client-cert the realm keeps its own, -no-client-cert removes it)",
			summary: "edit a realm in place: its match, home servers and their order, flags; unchanged servers keep their health", admin: cmdRealmUpdate, paths: []string{"-ca", "-client-cert", "-client-key"}},
		{name: "realm list", usage: "-data DIR [-org CODE]", summary: "list realms and their home servers (never their secrets)", admin: cmdRealmList},
		{name: "realm remove", usage: "-data DIR -realm REALM", summary: "remove a realm", admin: cmdRealmRemove},
		{name: "voucher create", usage: "-data DIR [-count 10] [-duration 1h] [-uses 1] [-data-cap MB] [-valid-days 30] [-org CODE] [-print FILE.html]",
			summary: "make a batch of voucher codes, optionally as a printable page", admin: cmdVoucherCreate, paths: []string{"-print"}},
		{name: "staff add", usage: "-data DIR -username NAME -role admin|operator|viewer [-org CODE] [-password PASS]",
			summary: "create a staff account and print its API token once", admin: cmdStaffAdd},
		{name: "org add", usage: "-data DIR -code CODE -name NAME [-hotline H] [-email E]", summary: "register an organisation", admin: cmdOrgAdd},
		{name: "venue add", usage: "-data DIR -hotspot ORG/ID -name NAME -lat LAT -lon LON [-type T] [-district D] [-plan P]",
			summary: "register a venue (district from the coordinates when not given)", admin: cmdVenueAdd},
		{name: "plan add", usage: "-data DIR -name NAME -kind free_timed|free|accounts|members|voucher [-org CODE] [-session-timeout S]",
			summary: "create a named access plan", admin: cmdPlanAdd},
		{name: "ap add", usage: "-data DIR -hotspot ORG/ID -name NAME -mac MAC", summary: "register an access point and print its agent token once", admin: cmdAPAdd},
		{name: "hotspot import", usage: "-data DIR [-strict] FILE", summary: "upsert venues from Wi-Fi.HK open data (CSV or JSON)", admin: cmdHotspotImport, paths: []string{"FILE"}},
		{name: "hotspot export", usage: "-data DIR -format csv|json|geojson [-o FILE]", summary: "write the venues as open data", admin: cmdHotspotExport, paths: []string{"-o"}},
		{name: "user add", usage: "-data DIR -username NAME -password PASS [-chap] [-org CODE]", summary: "create a visitor account", admin: cmdUserAdd},
		{name: "cert issue", usage: "-data DIR -org CODE -username NAME -out PREFIX [-valid 8760h]",
			summary: "issue an EAP-TLS client certificate under the organisation's CA (made on first use)", admin: cmdCertIssue, paths: []string{"-out"}},
		{name: "cert revoke", usage: "-data DIR -org CODE -serial HEX", summary: "revoke a client certificate; its next handshake fails", admin: cmdCertRevoke},
		{name: "cert list", usage: "-data DIR -org CODE", summary: "list an organisation's client certificates", admin: cmdCertList},
		{name: "cert ca import", usage: "-data DIR -org CODE -identity upn|email|cn [-domain D [-strip-domain]] FILE",
			summary: "trust the organisation's own CA (PEM or DER, no key) for EAP-TLS; -identity names the field that names the account", admin: cmdCAImport, paths: []string{"FILE"}},
		{name: "cert ca list", usage: "-data DIR -org CODE", summary: "list the CAs an organisation imported, with their CRLs", admin: cmdCAList},
		{name: "cert ca remove", usage: "-data DIR -org CODE -id ID", summary: "stop trusting an imported CA", admin: cmdCARemove},
		{name: "cert ca crl", usage: "-data DIR -org CODE -id ID FILE", summary: "upload an imported CA's CRL (PEM or DER; signed by that CA, current)", admin: cmdCACRL, paths: []string{"FILE"}},
		{name: "session list", usage: "-data DIR [-open] [-limit N]", summary: "list accounting sessions", admin: cmdSessionList},
		{name: "usage rebuild", usage: "-data DIR", summary: "recompute the hourly usage figures from the accounting records (server stopped)", admin: cmdUsageRebuild},
		{name: "session disconnect", usage: "-data DIR NAS/ACCT-SESSION-ID", summary: "send a Disconnect-Request (RFC 5176) to the session's NAS", admin: cmdSessionDisconnect},
	}
}

// errUsage is returned for bad command-line use; the message has been printed.
var errUsage = cmdline.ErrUsage

// Run runs the command line args (without the program name) and returns the
// process exit code.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return program().Run(ctx, args, stdout, stderr)
}

// program is the command line, its commands in alphabetical order for the
// help; admin commands run through runAdmin.
func program() cmdline.Program {
	p := cmdline.Program{Name: "wifihk", Note: "(every admin command also takes -json)"}
	cs := commands()
	sort.Slice(cs, func(i, j int) bool { return cs[i].name < cs[j].name })
	for _, c := range cs {
		run := c.run
		if run == nil {
			run = func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
				return runAdmin(ctx, c, args, stdout, stderr)
			}
		}
		p.Commands = append(p.Commands, cmdline.Command{Name: c.name, Usage: c.usage, Summary: c.summary, Run: run})
	}
	return p
}

func find(args []string) (command, []string, bool) {
	for _, c := range commands() {
		if rest, ok := cmdline.Match(c.name, args); ok {
			return c, rest, true
		}
	}
	return command{}, nil, false
}

// flags returns a FlagSet for cmd that reports errors to stderr and returns
// errUsage instead of exiting.
func flags(e *Env, name string) *flag.FlagSet {
	fs := flag.NewFlagSet("wifihk "+name, flag.ContinueOnError)
	fs.SetOutput(e.Stderr)
	fs.String("data", datadir.Default, "data directory")
	fs.BoolVar(&e.JSON, "json", false, "print one JSON object with the result")
	return fs
}

// parse parses args, letting flags come after positional arguments too
// ("hotspot import FILE -json"); fs.Args() then holds the positionals.
func parse(fs *flag.FlagSet, args []string) error {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return errUsage
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	fs.Parse(append([]string{"--"}, pos...))
	return nil
}
