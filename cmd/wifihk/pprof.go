//go:build pprof

package main

import (
	"log"
	"net/http"
	_ "net/http/pprof"
	"os"
)

// Profiling builds (go build -tags pprof) serve net/http/pprof on the
// address in WIFIHK_PPROF, e.g. 127.0.0.1:6060, for performance work.
// Release builds do not link it.
func init() {
	addr := os.Getenv("WIFIHK_PPROF")
	if addr == "" {
		return
	}
	go func() { log.Print(http.ListenAndServe(addr, nil)) }()
}
