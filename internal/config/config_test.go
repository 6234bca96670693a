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
		{"bad duration", "radius:\n  duplicate_window: soon\n", "line 2"},
		{"window too long", "radius:\n  duplicate_window: 2h\n", "radius.duplicate_window"},
		{"half tls", "http:\n  tls_cert: a.pem\n", "tls_key"},
		{"plan kind", "default_plan:\n  kind: gratis\n", "kind"},
		{"interim", "default_plan:\n  interim_interval_s: 5\n", "interim_interval_s"},
		{"body", "http:\n  max_body_bytes: 10\n", "http.max_body_bytes"},
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
