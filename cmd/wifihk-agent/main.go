// Command wifihk-agent runs on a WiFi@HK access point: it counts each
// client's traffic with gopacket and reports to the controller. Run
// "wifihk-agent -h" for its flags.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/wifihk/wifihk/agent"
)

// version is set at build time: -ldflags "-X main.version=1.2.3".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := agent.Main(ctx, os.Args[1:], os.Stderr, version)
	stop()
	os.Exit(code)
}
