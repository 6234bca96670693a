package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDefaultIsValid(t *testing.T) {
	if err := Default().Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestExampleConfigLoads(t *testing.T) {
	c, err := Load("../../configs/wifihk.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("configs/wifihk.yaml: %v", err)
	}
	if c != Default() {
		t.Errorf("the example should show the defaults:\n got %+v\nwant %+v", c, Default())
	}
}

func TestBadValuesNameTheField(t *testing.T) {
	for _, tc := range []struct{ name, yaml, want string }{
		{"unknown field", "radius:\n  auth_adr: ':1'\n", "auth_adr"},
		{"bad addr", "radius:\n  auth_addr: nope\n", "radius.auth_addr"},
		{"bad level", "log_level: loud\n", "log_level"},
		{"tiles without attribution", "coverage:\n  map_tiles: https://t.example/{z}/{x}/{y}.png\n", "coverage.map_tiles: map tiles: an attribution is required"},
		{"tiles without y", "coverage:\n  map_tiles: https://t.example/{z}/{x}.png\n  map_attribution: x\n", "must hold {y} once"},
		{"bad duration", "radius:\n  duplicate_window: soon\n", "line 2"},
		{"window too long", "radius:\n  duplicate_window: 2h\n", "radius.duplicate_window"},
		{"radsec addr", "radius:\n  radsec:\n    addr: nope\n", "radius.radsec.addr"},
		{"radsec without cert", "radius:\n  radsec:\n    addr: ':2083'\n", "radius.radsec.cert"},
		{"radsec without client ca", "radius:\n  radsec:\n    addr: ':2083'\n    cert: a.pem\n    key: a.key\n", "radius.radsec.client_ca"},
		{"radsec in flight", "radius:\n  radsec:\n    addr: ':2083'\n    cert: a.pem\n    key: a.key\n    client_ca: ca.pem\n    max_in_flight: 1000\n", "radius.radsec.max_in_flight"},
		{"eap cert without key", "radius:\n  eap:\n    cert: a.pem\n", "radius.eap.cert and radius.eap.key"},
		{"proxy radsec cert without key", "radius:\n  proxy:\n    radsec:\n      cert: a.pem\n", "radius.proxy.radsec.cert and radius.proxy.radsec.key"},
		{"half tls", "http:\n  tls_cert: a.pem\n", "tls_key"},
		{"plan kind", "default_plan:\n  kind: gratis\n", "kind"},
		{"interim", "default_plan:\n  interim_interval_s: 5\n", "interim_interval_s"},
		{"body", "http:\n  max_body_bytes: 10\n", "http.max_body_bytes"},
		{"store password without url", "store:\n  password_file: /etc/wifihk/pg.pass\n", "store.password_file"},
		{"smtp addr", "portal:\n  smtp:\n    addr: mail.example.hk\n    from: a@example.hk\n", "portal.smtp.addr"},
		{"smtp no from", "portal:\n  smtp:\n    addr: mail.example.hk:587\n", "portal.smtp.from"},
		{"smtp bad from", "portal:\n  smtp:\n    addr: mail.example.hk:587\n    from: noreply at example.hk\n", "portal.smtp.from"},
		{"smtp tls mode", "portal:\n  smtp:\n    tls: ssl\n", "portal.smtp.tls"},
		{"smtp plain to a remote host", "portal:\n  smtp:\n    addr: mail.example.hk:25\n    from: a@example.hk\n    tls: none\n", "portal.smtp.tls"},
		{"retention too short", "retention:\n  sessions: 1h\n", "retention.sessions"},
		{"retention batch", "retention:\n  batch: 0\n", "retention.batch"},
		{"retention negative", "retention:\n  devices: -1h\n", "retention.devices"},
		{"stale multiple", "retention:\n  stale:\n    multiple: 1\n", "retention.stale.multiple"},
		{"retention unknown", "retention:\n  session: 1h\n", "session"},
		{"usage hourly too short", "retention:\n  usage_hourly: 1h\n", "retention.usage_hourly"},
		{"usage flush", "usage:\n  flush_every: 10ms\n", "usage.flush_every"},
		{"usage k", "usage:\n  privacy:\n    k: 1\n", "privacy.k"},
		{"usage epsilon", "usage:\n  privacy:\n    epsilon: 1000\n", "privacy.epsilon"},
		{"usage cells", "usage:\n  privacy:\n    cells_per_day: 25\n", "privacy.cells_per_day"},
		{"smtp user without password", "portal:\n  smtp:\n    addr: mail.example.hk:587\n    from: a@example.hk\n    username: u\n", "portal.smtp.password_file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "c.yaml")
			os.WriteFile(path, []byte(tc.yaml), 0o600)
			c, err := Load(path)
			if err == nil {
				err = c.Validate()
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error naming %q", err, tc.want)
			}
		})
	}
}

func TestSMTPExamples(t *testing.T) {
	for _, y := range []string{
		"portal:\n  smtp:\n    addr: smtp.example.hk:587\n    from: '\"WiFi@HK\" <noreply@wifi.example.hk>'\n    username: wifihk\n    password_file: /etc/wifihk/smtp-password\n",
		"portal:\n  smtp:\n    addr: smtp.example.hk:465\n    from: noreply@wifi.example.hk\n    tls: tls\n    ca_file: /etc/wifihk/ca.pem\n",
		"portal:\n  smtp:\n    addr: 127.0.0.1:25\n    from: noreply@wifi.example.hk\n    tls: none\n",
		"portal:\n  smtp:\n    addr: localhost:25\n    from: noreply@wifi.example.hk\n    tls: none\n",
	} {
		path := filepath.Join(t.TempDir(), "c.yaml")
		os.WriteFile(path, []byte(y), 0o600)
		c, err := Load(path)
		if err == nil {
			err = c.Validate()
		}
		if err != nil {
			t.Errorf("%s: %v", y, err)
		}
	}
}
