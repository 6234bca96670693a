// Command wifihk is the WiFi@HK controller: RADIUS server, captive portal,
// hotspot registry and console. Run "wifihk help" for the commands.
package main

import (
	"github.com/wifihk/wifihk/controller/cli"
	"github.com/wifihk/wifihk/internal/cmdline"
)

func main() { cmdline.Main(cli.Run) }
