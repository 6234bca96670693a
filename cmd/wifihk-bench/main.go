// Command wifihk-bench load-tests a RADIUS server, the captive portal and
// agent ingest. Run "wifihk-bench help" for the commands.
package main

import (
	"github.com/wifihk/wifihk/bench"
	"github.com/wifihk/wifihk/internal/cmdline"
)

func main() { cmdline.Main(bench.Run) }
