// Command wifihk-agent runs on a WiFi@HK access point: it counts each
// client's traffic with gopacket and reports to the controller. Run
// "wifihk-agent -h" for its flags.
package main

import (
	"context"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/wifihk/wifihk/agent"
)

// version is set at build time: -ldflags "-X main.version=1.2.3".
var version = "dev"

// memoryLimit is the agent's soft limit on Go memory, unless GOMEMLIMIT
// says otherwise: on amd64 it keeps the capturing agent's anonymous memory
// near 2 MB instead of 4 MB, for about a tenth more CPU in the collector
// (docs/PERFORMANCE.md). It is soft: a larger working set is still served.
const memoryLimit = 4 << 20

func main() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := agent.Main(ctx, os.Args[1:], os.Stderr, version)
	stop()
	os.Exit(code)
}
