package cli

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/wifihk/wifihk/radius/radsec/radsectest"
)

func TestRealmAddListRemove(t *testing.T) {
	dir := t.TempDir()
	must := mustRunIn(t, dir)
	must("org", "add", "-code", "uni", "-name", "University")
	out := must("realm", "add", "-realm", "*.Example.EDU", "-org", "uni", "-server", "192.0.2.1:1812", "-secret", "first-secret",
		"-server", "192.0.2.2:1812", "-secret", "second-secret", "-timeout", "2s", "-retries", "2", "-json")
	var got map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	servers, _ := got["servers"].([]any)
	if got["name"] != "*.example.edu" || got["kind"] != "suffix" || len(servers) != 2 {
		t.Fatalf("realm add: %s", out)
	}
	if s := servers[1].(map[string]any); s["address"] != "192.0.2.2:1812" || s["timeout_ms"] != float64(2000) || s["retries"] != float64(2) || s["acct_port"] != float64(1813) {
		t.Fatalf("second server %v", s)
	}
	must("realm", "add", "-realm", "wifi.hk", "-org", "uni", "-local")
	must("realm", "add", "-realm", "named.example", "-org", "uni", "-server", "Radius.Named.Example:1812", "-secret", "named-secret")
	out = must("realm", "list")
	if !strings.Contains(out, "*.example.edu") || !strings.Contains(out, "192.0.2.1:1812, 192.0.2.2:1812") || !strings.Contains(out, "local") ||
		!strings.Contains(out, "radius.named.example:1812") {
		t.Fatalf("realm list:\n%s", out)
	}
	if strings.Contains(out, "secret") || strings.Contains(must("realm", "list", "-json"), "secret") {
		t.Fatalf("a secret was printed:\n%s", out)
	}
	for _, c := range []struct {
		args []string
		err  string
	}{
		{[]string{"-realm", "a..b", "-org", "uni", "-server", "192.0.2.1:1812", "-secret", "s3cret"}, "label"},
		{[]string{"-realm", "a.example", "-org", "uni", "-server", "192.0.2.1:1812", "-server", "192.0.2.2:1812", "-secret", "a1234567", "-secret", "b1234567", "-secret", "c1234567"}, "once per -server"},
		{[]string{"-realm", "a.example", "-org", "uni", "-server", "radius..example:1812", "-secret", "s3cret"}, "is not IP:PORT or HOST:PORT"},
	} {
		code, _, errOut := run(t, append([]string{"realm", "add", "-data", dir}, c.args...)...)
		if code == 0 || !strings.Contains(errOut, c.err) {
			t.Errorf("%v: exit %d %q, want %q", c.args, code, errOut, c.err)
		}
	}
	ca := radsectest.NewCA(t, "Uni CA")
	out = must("realm", "add", "-realm", "uni.example", "-org", "uni", "-radsec", "-server", "192.0.2.5", "-server-name", "Radius.Uni.Example",
		"-server", "192.0.2.6:2084", "-server-name", "192.0.2.6", "-ca", ca.CAFile, "-nostrip", "-json")
	got = nil
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	servers, _ = got["servers"].([]any)
	if got["nostrip"] != true || len(servers) != 2 {
		t.Fatalf("radsec realm add: %s", out)
	}
	if s := servers[0].(map[string]any); s["address"] != "192.0.2.5:2083" || s["transport"] != "radsec" || s["server_name"] != "radius.uni.example" ||
		!strings.Contains(s["ca"].(string), "BEGIN CERTIFICATE") || s["acct_port"] != float64(2083) {
		t.Fatalf("first radsec server %v", s)
	}
	if s := servers[1].(map[string]any); s["address"] != "192.0.2.6:2084" || s["server_name"] != "192.0.2.6" {
		t.Fatalf("second radsec server %v", s)
	}
	if out := must("realm", "list"); !strings.Contains(out, "192.0.2.5:2083 (radsec)") {
		t.Fatalf("realm list shows no RadSec server:\n%s", out)
	}
	for _, c := range []struct {
		args []string
		err  string
	}{
		{[]string{"-realm", "b.example", "-org", "uni", "-server", "192.0.2.1:1812", "-secret", "s3cret-1", "-ca", ca.CAFile}, "go with -radsec"},
		{[]string{"-realm", "b.example", "-org", "uni", "-radsec", "-server", "192.0.2.1", "-ca", "/nonexistent.pem"}, "-ca"},
		{[]string{"-realm", "b.example", "-org", "uni", "-radsec", "-server", "192.0.2.1", "-secret", "s3cret-1"}, `"radsec"`},
	} {
		code, _, errOut := run(t, append([]string{"realm", "add", "-data", dir}, c.args...)...)
		if code == 0 || !strings.Contains(errOut, c.err) {
			t.Errorf("%v: exit %d %q, want %q", c.args, code, errOut, c.err)
		}
	}
	must("realm", "remove", "-realm", "*.example.edu")
	if out := must("realm", "list"); strings.Contains(out, "example.edu") {
		t.Fatalf("still listed after remove:\n%s", out)
	}
}

// realm add -dynamic: no servers, its CA, timeout and retries kept, and
// shown as dynamic.
func TestRealmAddDynamic(t *testing.T) {
	dir := t.TempDir()
	must := mustRunIn(t, dir)
	must("org", "add", "-code", "uni", "-name", "University")
	ca := radsectest.NewCA(t, "Uni CA")
	out := must("realm", "add", "-realm", "*.uni.example", "-org", "uni", "-dynamic", "-ca", ca.CAFile, "-timeout", "4s", "-retries", "0", "-json")
	var got struct {
		Servers   []any `json:"servers"`
		Discovery struct {
			CA        string `json:"ca"`
			TimeoutMS int    `json:"timeout_ms"`
			Retries   int    `json:"retries"`
		} `json:"discovery"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Servers) != 0 || !strings.Contains(got.Discovery.CA, "BEGIN CERTIFICATE") || got.Discovery.TimeoutMS != 4000 || got.Discovery.Retries != 0 {
		t.Fatalf("realm add -dynamic: %s", out)
	}
	if out := must("realm", "list"); !strings.Contains(out, "dynamic (DNS, RFC 7585)") {
		t.Fatalf("realm list:\n%s", out)
	}
	for _, args := range [][]string{
		{"-realm", "a.example", "-org", "uni", "-dynamic", "-server", "192.0.2.1:1812", "-secret", "s3cret"},
		{"-realm", "a.example", "-org", "uni", "-dynamic", "-radsec"},
	} {
		code, _, errOut := run(t, append([]string{"realm", "add", "-data", dir}, args...)...)
		if code == 0 || !strings.Contains(errOut, "-dynamic finds the servers in the DNS") {
			t.Errorf("%v: exit %d %q", args, code, errOut)
		}
	}
}

// mustRunIn runs "wifihk NOUN VERB -data dir ARGS…" and returns its
// output, failing the test on a non-zero exit.
func mustRunIn(t *testing.T, dir string) func(args ...string) string {
	return func(args ...string) string {
		t.Helper()
		code, out, errOut := run(t, append(args[:2:2], append([]string{"-data", dir}, args[2:]...)...)...)
		if code != 0 {
			t.Fatalf("%v: exit %d %s", args, code, errOut)
		}
		return out
	}
}

// realm update edits a realm in place: renamed, servers reordered, a
// server without -secret keeping its own, flags set; a new server
// without a secret, and an unknown realm, are refused; it is audited.
func TestRealmUpdate(t *testing.T) {
	dir := t.TempDir()
	must := mustRunIn(t, dir)
	must("org", "add", "-code", "uni", "-name", "University")
	must("realm", "add", "-realm", "uni.example", "-org", "uni", "-server", "192.0.2.1:1812", "-secret", "first-secret",
		"-server", "192.0.2.2:1812", "-secret", "second-secret")
	out := must("realm", "update", "-realm", "uni.example", "-name", "*.uni.example", "-server", "192.0.2.2:1812", "-server", "192.0.2.1:1812",
		"-nostrip", "-forward-accounting", "-timeout", "2s", "-json")
	var got map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	servers, _ := got["servers"].([]any)
	if got["name"] != "*.uni.example" || got["org"] != "uni" || got["nostrip"] != true || got["forward_accounting"] != true || len(servers) != 2 ||
		servers[0].(map[string]any)["address"] != "192.0.2.2:1812" || servers[0].(map[string]any)["timeout_ms"] != float64(2000) {
		t.Fatalf("realm update: %s", out)
	}
	if strings.Contains(out, "secret") {
		t.Fatalf("a secret was printed:\n%s", out)
	}
	if list := must("realm", "list"); strings.Contains(list, "uni.example\t") || !strings.Contains(list, "*.uni.example") {
		t.Fatalf("realm list after the rename:\n%s", list)
	}
	for _, c := range []struct {
		args []string
		err  string
	}{
		{[]string{"-realm", "*.uni.example", "-server", "192.0.2.3:1812"}, "servers[0].secret"},
		{[]string{"-realm", "nowhere.example", "-local"}, "not found"},
		{[]string{"-server", "192.0.2.3:1812"}, "usage"},
	} {
		code, _, errOut := run(t, append([]string{"realm", "update", "-data", dir}, c.args...)...)
		if code == 0 || !strings.Contains(errOut, c.err) {
			t.Errorf("%v: exit %d %q, want %q", c.args, code, errOut, c.err)
		}
	}
}

// realm add and update take a realm's own RadSec client certificate:
// a key of another certificate, a server-only or expired certificate
// is refused with the reason; the accepted one is shown by subject,
// issuer and expiry, its key never printed; an update without it keeps
// it, and -no-client-cert removes it.
func TestRealmClientCertFlags(t *testing.T) {
	dir := t.TempDir()
	must := mustRunIn(t, dir)
	must("org", "add", "-code", "fed", "-name", "Federation member")
	fed := radsectest.NewCA(t, "Federation B")
	mine, other, srv, old := fed.Client("proxy-b"), fed.Client("other"), fed.Server("srv", "srv.example"), fed.ExpiredClient("old")
	base := []string{"realm", "add", "-data", dir, "-realm", "fed.example", "-org", "fed", "-radsec", "-server", "192.0.2.1"}
	for _, c := range []struct {
		cert, key, err string
	}{
		{mine.CertFile, other.KeyFile, "client_key: the key does not go with the certificate"},
		{srv.CertFile, srv.KeyFile, "extended key usage lacks clientAuth"},
		{old.CertFile, old.KeyFile, "the certificate of old expired on"},
		{mine.CertFile, "", "client_key: the certificate's private key is required"},
		{mine.CertFile, dir + "/none.key", "-client-key"},
	} {
		args := append(slices.Clone(base), "-client-cert", c.cert)
		if c.key != "" {
			args = append(args, "-client-key", c.key)
		}
		if code, _, errOut := run(t, args...); code == 0 || !strings.Contains(errOut, c.err) {
			t.Errorf("%s with %s: exit %d %q, want %q", c.cert, c.key, code, errOut, c.err)
		}
	}
	key, err := os.ReadFile(mine.KeyFile)
	if err != nil {
		t.Fatal(err)
	}
	keyBody := strings.Split(string(key), "\n")[1]
	out := must("realm", "add", "-realm", "fed.example", "-org", "fed", "-radsec", "-server", "192.0.2.1", "-client-cert", mine.CertFile, "-client-key", mine.KeyFile)
	if !strings.Contains(out, "client certificate CN=proxy-b from CN=Federation B") {
		t.Errorf("realm add says %q", out)
	}
	out = must("realm", "list", "-json")
	if !strings.Contains(out, `"subject": "CN=proxy-b"`) || !strings.Contains(out, `"not_after"`) || strings.Contains(out, keyBody) || strings.Contains(out, "sealed") {
		t.Fatalf("realm list -json: %s", out)
	}
	out = must("realm", "update", "-realm", "fed.example", "-radsec", "-server", "192.0.2.2", "-json")
	if !strings.Contains(out, `"subject": "CN=proxy-b"`) {
		t.Errorf("an update without -client-cert lost it: %s", out)
	}
	if out := must("realm", "update", "-realm", "fed.example", "-radsec", "-server", "192.0.2.2", "-no-client-cert", "-json"); strings.Contains(out, "client_cert") {
		t.Errorf("-no-client-cert kept it: %s", out)
	}
}
