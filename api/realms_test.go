package api_test

import (
	"encoding/json"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/wifihk/wifihk/radius/radsec/radsectest"
)

func TestOperatorManagesOwnRealms(t *testing.T) {
	f := newFixture(t)
	body := map[string]any{"name": "*.Staff.A.Example", "servers": []map[string]any{
		{"address": "192.0.2.7:1812", "secret": "home-secret-a", "timeout_ms": 2000, "retries": 0},
		{"address": "192.0.2.8:1812", "secret": "home-secret-b"},
	}}
	code, out := f.do(t, "opa", "POST", "/api/v1/realms", body)
	if code != 201 || strings.Contains(string(out), "home-secret") {
		t.Fatalf("create: %d %s", code, out)
	}
	var rl struct {
		Name, Kind, Org string
		Servers         []struct {
			Address   string
			TimeoutMS int `json:"timeout_ms"`
			Retries   int
		}
	}
	json.Unmarshal(out, &rl)
	if rl.Name != "*.staff.a.example" || rl.Kind != "suffix" || rl.Org != "orga" || len(rl.Servers) != 2 ||
		rl.Servers[0].TimeoutMS != 2000 || rl.Servers[0].Retries != 0 || rl.Servers[1].Retries != 1 {
		t.Fatalf("created %s", out)
	}
	path := "/api/v1/realms/" + url.PathEscape(rl.Name)
	if code, out := f.do(t, "opa", "GET", path, nil); code != 200 || !strings.Contains(string(out), "192.0.2.8:1812") {
		t.Fatalf("get: %d %s", code, out)
	}
	if code, out := f.do(t, "opa", "GET", "/api/v1/realms", nil); code != 200 || !strings.Contains(string(out), `"total":2`) {
		t.Fatalf("list: %d %s", code, out)
	}
	for _, c := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"name": "a..example", "local": true}, "name"},
		{map[string]any{"name": "x.example", "servers": []map[string]any{{"address": "nowhere", "secret": "123456"}}}, "servers[0].address"},
		{map[string]any{"name": "~(", "local": true}, "name"},
	} {
		code, out := f.do(t, "opa", "POST", "/api/v1/realms", c.body)
		if code != 422 || !strings.Contains(string(out), `"field":"`+c.field+`"`) {
			t.Errorf("%v: %d %s, want 422 on %s", c.body, code, out, c.field)
		}
	}
	if code, out := f.do(t, "viewera", "DELETE", path, nil); code != 403 {
		t.Fatalf("viewer delete: %d %s", code, out)
	}
	if code, out := f.do(t, "opa", "DELETE", path, nil); code != 204 {
		t.Fatalf("delete: %d %s", code, out)
	}
	if code, _ := f.do(t, "opa", "GET", path, nil); code != 404 {
		t.Fatalf("after delete: %d", code)
	}
}

// A realm with RadSec home servers: given a CA and a server name, shown
// back; stripping is on unless nostrip; junk CAs are refused by field.
func TestRealmWithRadSecServers(t *testing.T) {
	f := newFixture(t)
	ca := radsectest.NewCA(t, "Operator CA")
	caPEM, err := os.ReadFile(ca.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	body := map[string]any{"name": "radsec.a.example", "nostrip": true, "servers": []map[string]any{
		{"address": "192.0.2.9", "transport": "radsec", "ca": string(caPEM), "server_name": "radius.a.example"},
	}}
	code, out := f.do(t, "opa", "POST", "/api/v1/realms", body)
	if code != 201 {
		t.Fatalf("create: %d %s", code, out)
	}
	var rl struct {
		NoStrip bool `json:"nostrip"`
		Servers []struct {
			Address, Transport, CA string
			ServerName             string `json:"server_name"`
			AcctPort               int    `json:"acct_port"`
		}
	}
	json.Unmarshal(out, &rl)
	if !rl.NoStrip || len(rl.Servers) != 1 {
		t.Fatalf("created %s", out)
	}
	if s := rl.Servers[0]; s.Address != "192.0.2.9:2083" || s.Transport != "radsec" || s.CA != string(caPEM) || s.ServerName != "radius.a.example" || s.AcctPort != 2083 {
		t.Fatalf("server %+v", s)
	}
	bad := map[string]any{"name": "radsec.b.example", "servers": []map[string]any{{"address": "192.0.2.9", "transport": "radsec", "ca": "junk"}}}
	if code, out := f.do(t, "opa", "POST", "/api/v1/realms", bad); code != 422 || !strings.Contains(string(out), `"field":"servers[0].ca"`) {
		t.Errorf("junk CA: %d %s", code, out)
	}
}

// A dynamic realm: no servers, its discovery settings shown back; junk
// CAs refused by field; servers and discovery together refused.
func TestDynamicRealm(t *testing.T) {
	f := newFixture(t)
	ca := radsectest.NewCA(t, "Federation CA")
	caPEM, err := os.ReadFile(ca.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	code, out := f.do(t, "opa", "POST", "/api/v1/realms", map[string]any{"name": "*.dyn.a.example",
		"discovery": map[string]any{"ca": string(caPEM), "timeout_ms": 4000}})
	if code != 201 {
		t.Fatalf("create: %d %s", code, out)
	}
	var rl struct {
		Servers   []any
		Discovery *struct {
			CA        string `json:"ca"`
			TimeoutMS int    `json:"timeout_ms"`
			Retries   int    `json:"retries"`
		}
	}
	json.Unmarshal(out, &rl)
	if len(rl.Servers) != 0 || rl.Discovery == nil || rl.Discovery.CA != string(caPEM) || rl.Discovery.TimeoutMS != 4000 || rl.Discovery.Retries != 1 {
		t.Fatalf("created %s", out)
	}
	for _, c := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"name": "dyn.b.example", "discovery": map[string]any{"ca": "junk"}}, "discovery.ca"},
		{map[string]any{"name": "dyn.c.example", "discovery": map[string]any{}, "servers": []map[string]any{{"address": "192.0.2.1:1812", "secret": "s3cret"}}}, "servers"},
	} {
		if code, out := f.do(t, "opa", "POST", "/api/v1/realms", c.body); code != 422 || !strings.Contains(string(out), `"field":"`+c.field+`"`) {
			t.Errorf("%v: %d %s", c.body, code, out)
		}
	}
}

// An operator edits its realm in place: renamed (its match), servers
// reordered and one replaced, flags set; a UDP server given without a
// secret keeps its own; bad input is refused by field; a viewer may
// not, another organisation's realm is not found; the edit is audited
// and no secret is shown.
func TestOperatorEditsOwnRealm(t *testing.T) {
	f := newFixture(t)
	body := map[string]any{"name": "edit.a.example", "servers": []map[string]any{
		{"address": "192.0.2.7:1812", "secret": "home-secret-a"},
		{"address": "192.0.2.8:1812", "secret": "home-secret-b"},
	}}
	if code, out := f.do(t, "opa", "POST", "/api/v1/realms", body); code != 201 {
		t.Fatalf("create: %d %s", code, out)
	}
	path := "/api/v1/realms/edit.a.example"
	edit := map[string]any{"name": "*.edit.a.example", "nostrip": true, "forward_accounting": true, "servers": []map[string]any{
		{"address": "192.0.2.8:1812"}, // keeps home-secret-b
		{"address": "192.0.2.9:1812", "secret": "home-secret-c", "timeout_ms": 1500, "retries": 2},
	}}
	if code, out := f.do(t, "viewera", "PUT", path, edit); code != 403 {
		t.Fatalf("viewer edit: %d %s", code, out)
	}
	if code, out := f.do(t, "opa", "PUT", "/api/v1/realms/b.example", edit); code != 404 {
		t.Fatalf("another organisation's realm: %d %s", code, out)
	}
	for _, c := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"name": "edit..example", "local": true}, "name"},
		{map[string]any{"name": "edit.a.example", "servers": []map[string]any{{"address": "192.0.2.10:1812"}}}, "servers[0].secret"},
		{map[string]any{"name": "edit.a.example", "servers": []map[string]any{{"address": "192.0.2.7:1812", "transport": "tcp"}}}, "servers[0].transport"},
	} {
		if code, out := f.do(t, "opa", "PUT", path, c.body); code != 422 || !strings.Contains(string(out), `"field":"`+c.field+`"`) {
			t.Errorf("%v: %d %s, want 422 on %s", c.body, code, out, c.field)
		}
	}
	code, out := f.do(t, "opa", "PUT", path, edit)
	if code != 200 || strings.Contains(string(out), "home-secret") {
		t.Fatalf("edit: %d %s", code, out)
	}
	var rl struct {
		Name, Kind, Org string
		NoStrip         bool `json:"nostrip"`
		ForwardAcct     bool `json:"forward_accounting"`
		Servers         []struct {
			Address   string
			TimeoutMS int `json:"timeout_ms"`
			Retries   int
		}
	}
	json.Unmarshal(out, &rl)
	if rl.Name != "*.edit.a.example" || rl.Kind != "suffix" || rl.Org != "orga" || !rl.NoStrip || !rl.ForwardAcct || len(rl.Servers) != 2 ||
		rl.Servers[0].Address != "192.0.2.8:1812" || rl.Servers[1].TimeoutMS != 1500 || rl.Servers[1].Retries != 2 {
		t.Fatalf("edited %s", out)
	}
	if code, _ := f.do(t, "opa", "GET", path, nil); code != 404 {
		t.Errorf("the old name still answers %d", code)
	}
	rt, ok := f.reg.RouteRealm("x.edit.a.example")
	if !ok || rt.Servers[0].Secret != "home-secret-b" || rt.Servers[1].Secret != "home-secret-c" {
		t.Errorf("route after the edit: %+v", rt)
	}
	if code, out := f.do(t, "admin", "GET", "/api/v1/audit?org=orga", nil); code != 200 || !strings.Contains(string(out), "realm.update") ||
		!strings.Contains(string(out), "edit.a.example") || strings.Contains(string(out), "home-secret") {
		t.Errorf("audit: %d %s", code, out)
	}
}

// A realm's own RadSec client certificate through the API: a key that
// does not go with it is refused on client_key; the realm shows the
// certificate's subject, issuer and expiry and never the key, in the
// answer, GET and the list; a PUT without it keeps it, and the audit
// names a change.
func TestRealmClientCertAPI(t *testing.T) {
	f := newFixture(t)
	fed := radsectest.NewCA(t, "Federation B")
	mine, other := fed.Client("proxy-b"), fed.Client("other")
	read := func(p string) string {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	keyPEM := read(mine.KeyFile)
	keyBody := strings.Split(keyPEM, "\n")[1]
	servers := []map[string]any{{"address": "192.0.2.7", "transport": "radsec"}}
	body := map[string]any{"name": "fed.a.example", "servers": servers, "client_cert": read(mine.CertFile), "client_key": read(other.KeyFile)}
	if code, out := f.do(t, "opa", "POST", "/api/v1/realms", body); code != 422 || !strings.Contains(string(out), `"field":"client_key"`) ||
		!strings.Contains(string(out), "does not go with the certificate") {
		t.Fatalf("a key of another certificate: %d %s", code, out)
	}
	body["client_key"] = keyPEM
	code, out := f.do(t, "opa", "POST", "/api/v1/realms", body)
	if code != 201 {
		t.Fatalf("create: %d %s", code, out)
	}
	var rl struct {
		ClientCert *struct {
			Subject, Issuer string
			NotAfter        string `json:"not_after"`
		} `json:"client_cert"`
	}
	json.Unmarshal(out, &rl)
	if rl.ClientCert == nil || rl.ClientCert.Subject != "CN=proxy-b" || !strings.Contains(rl.ClientCert.Issuer, "CN=Federation B") || rl.ClientCert.NotAfter == "" {
		t.Fatalf("created %s", out)
	}
	path := "/api/v1/realms/fed.a.example"
	put := map[string]any{"name": "fed.a.example", "servers": servers}
	for _, c := range []struct{ method, path string }{{"GET", path}, {"GET", "/api/v1/realms"}, {"PUT", path}} {
		var b any
		if c.method == "PUT" {
			b = put
		}
		code, out := f.do(t, "opa", c.method, c.path, b)
		if code != 200 || strings.Contains(string(out), keyBody) || strings.Contains(string(out), "PRIVATE KEY") || strings.Contains(string(out), "sealed") ||
			!strings.Contains(string(out), `"subject":"CN=proxy-b"`) {
			t.Errorf("%s %s: %d %s", c.method, c.path, code, out)
		}
	}
	put["remove_client_cert"] = true
	if code, out := f.do(t, "opa", "PUT", path, put); code != 200 || strings.Contains(string(out), "client_cert") {
		t.Errorf("remove: %d %s", code, out)
	}
	entries, _ := f.reg.AuditLog("orga", 0, 1)
	if len(entries) != 1 || entries[0].Action != "realm.update" || !strings.Contains(entries[0].Detail, "client_cert=removed") {
		t.Errorf("audit: %+v", entries)
	}
}
