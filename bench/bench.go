// Package bench is the wifihk-bench command line: load generators for a
// RADIUS server, the captive portal and agent ingest, the fault suite and
// the cluster soak. They live outside the controller so that the server
// binary links none of them.
package bench

import (
	"context"
	"io"

	"github.com/wifihk/wifihk/internal/cmdline"
)

// program is the wifihk-bench command line: one command per load generator.
var program = cmdline.Program{Name: "wifihk-bench", Note: "(each also takes -json)", Commands: []cmdline.Command{
	{Name: "radius", Usage: "[-server HOST:PORT] [-secret S] [-mode auth|acct] [-c 64] [-d 10s]",
		Summary: "load-test a RADIUS server (PAP with Message-Authenticator, or Interim-Updates)", Run: runRADIUS},
	{Name: "radsec", Usage: "-ca FILE -cert FILE -key FILE [-server HOST:PORT] [-servername N] [-mode auth|status] [-conns 100] [-c 1] [-d 10s]",
		Summary: "load-test a RadSec server (RADIUS over TLS) over many TLS connections", Run: runRadSec},
	{Name: "eap", Usage: "[-server HOST:PORT] [-secret S] [-c 16] [-d 10s] [-method ttls|peap] [-resume] [-tls 1.2|1.3] [-ca FILE -servername NAME]",
		Summary: "load-test 802.1X: full or resumed EAP-TTLS/PAP or PEAP/EAP-MSCHAPv2 conversations", Run: runEAP},
	{Name: "portal", Usage: "[-mode landing|login] [-rate 2000] [-d 10s] [-c 64] [-url URL | -portal URL -nasid demo -uamsecret S] [-radius ADDR -secret S -server-pid PID]",
		Summary: "load-test the landing page or click-through logins at a fixed rate; latency counted from each scheduled time", Run: runPortal},
	{Name: "agents", Usage: "[-n 50000] [-clients 25] [-interval 60s] [-d 60s] [-controller URL -tokens FILE]",
		Summary: "load-test agent report ingest with simulated APs", Run: runAgents},
	{Name: "faults", Usage: "[-wifihk PATH] [-rounds 5] [-damage-rounds 3] [-fulldisk 60s] [-cases kill,damage,disk] [-seed N]",
		Summary: "the fault suite: SIGKILL under load, damaged, truncated and deleted files, a full disk; every acknowledged record checked", Run: runFaults},
	{Name: "cluster", Usage: "[-wifihk PATH] [-d 2m] [-kills 5] [-pg-failover] [-nas-timeout 1s] [-accounts 6] [-devices 150] [-aps 6]",
		Summary: "the cluster fault soak: three nodes on PostgreSQL under RADIUS and report load, nodes SIGKILLed, the primary failed over; every acknowledged record checked", Run: runCluster},
	{Name: "retention", Usage: "[-days 60] [-per-day 33334] [-keep 720h] [-archive] [-radius-d 10s] [-rounds 3] [-data DIR]",
		Summary: "simulate a city's accounting on a fake clock with retention, then RADIUS latency with and without a purge, then compaction", Run: runRetention},
	{Name: "usage", Usage: "[-venues 50000] [-days 366] [-venue-hours 1] [-runs 5] [-data DIR]",
		Summary: "a year of hourly usage figures for a synthetic city, then the console's analytics queries timed over it", Run: runUsage},
}}

// errUsage is returned for bad command-line use; the message has been printed.
var errUsage = cmdline.ErrUsage

// Run runs the command line args (without the program name) and returns the
// process exit code.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return program.Run(ctx, args, stdout, stderr)
}
