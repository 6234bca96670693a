package controller_test

import (
	"crypto/tls"
	"io"
	"net/http"
	"net/netip"
	"strings"
	"testing"

	"github.com/wifihk/wifihk/controller"
	"github.com/wifihk/wifihk/controller/controllertest"
)

// startDemo runs a demo controller on loopback ports.
func startDemo(t *testing.T) *controller.App {
	t.Helper()
	return controllertest.Start(t, controllertest.Options{Demo: true})
}

func get(t *testing.T, c *http.Client, url string) (int, string) {
	t.Helper()
	res, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func TestDemoServesHealthMetricsAndHTTPS(t *testing.T) {
	a := startDemo(t)
	base := "http://" + a.HTTPAddr.String()
	if code, body := get(t, http.DefaultClient, base+"/readyz"); code != 200 || !strings.Contains(body, "ready") ||
		!strings.Contains(body, "change feed: listening") {
		t.Errorf("/readyz: %d %q", code, body)
	}
	if code, body := get(t, http.DefaultClient, base+"/metrics"); code != 200 || !strings.Contains(body, "go_goroutines") {
		t.Errorf("/metrics: %d", code)
	}
	if a.HTTPSAddr == nil {
		t.Fatal("-demo should serve HTTPS with a self-signed certificate")
	}
	insecure := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	if code, _ := get(t, insecure, "https://"+a.HTTPSAddr.String()+"/healthz"); code != 200 {
		t.Errorf("https /healthz: %d", code)
	}
	if _, _, ok := a.Registry.NASForAddr(netip.MustParseAddr("127.0.0.1")); !ok {
		t.Error("-demo should register a NAS for 127.0.0.1")
	}
}

func TestDemoTwiceChangesNothing(t *testing.T) {
	a := startDemo(t)
	before, _ := a.Registry.ListNAS()
	if err := a.Demo(); err != nil {
		t.Fatalf("second Demo: %v", err)
	}
	after, _ := a.Registry.ListNAS()
	if len(before) != len(after) {
		t.Fatalf("NAS count %d -> %d", len(before), len(after))
	}
}

func TestDemoStaffCanSignIn(t *testing.T) {
	a := startDemo(t)
	if _, err := a.Staff.Login(controller.DemoStaffUser, controller.DemoStaffPassword); err != nil {
		t.Fatalf("demo console login: %v", err)
	}
}
