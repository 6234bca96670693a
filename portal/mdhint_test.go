package portal_test

import (
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/wifihk/wifihk/controller/config"
	"github.com/wifihk/wifihk/controller/controllertest"
)

// A http.public_url that is not the gateway's uamserver fails every md;
// the log says so and names the uamserver the md was made for.
func TestWrongPublicURLIsNamedInTheLog(t *testing.T) {
	var logs lockedBuffer
	a := controllertest.Start(t, controllertest.Options{Demo: true,
		Log:       slog.New(slog.NewTextHandler(&logs, nil)),
		Configure: func(c *config.Config) { c.HTTP.PublicURL = "https://wifi.example.hk" }})
	g := startGateway(t, a, "demo", "uamsecret", "127.0.0.1")
	g.Attach(loopback, "02:aa:bb:cc:dd:51")
	if code, _ := get(t, newBrowser(t), g.URL+"/"); code != http.StatusForbidden {
		t.Fatalf("redirect with a public_url that is not uamserver: %d, want 403", code)
	}
	want := "does not match the gateway's uamserver, which the md says is http://" + a.HTTPAddr.String() + "/portal"
	if !strings.Contains(logs.String(), want) {
		t.Fatalf("log lacks %q:\n%s", want, logs.String())
	}
}
