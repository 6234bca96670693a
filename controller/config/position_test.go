package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestErrorsNameLineAndKey holds decode errors to the line of the bad
// key and its full path, where yaml.v3 alone names the line of the value
// (the next line for a value on its own line) and no key.
func TestErrorsNameLineAndKey(t *testing.T) {
	for _, tc := range []struct{ name, yaml, want string }{
		{"wrong type", "log_level: info\nhttp:\n  addr: ':8080'\n  max_body_bytes: lots\n",
			`line 4: http.max_body_bytes: "lots" is not a whole number`},
		{"wrong type on the next line", "http:\n  max_body_bytes:\n    lots\n",
			`line 2: http.max_body_bytes: "lots" is not a whole number`},
		{"a mapping for text", "log_level:\n  level: info\n", "line 1: log_level: a mapping is not text"},
		{"settings expected", "# comment\nradius: 3\n", `line 2: radius: expected the settings under it`},
		{"unknown key", "radius:\n  auth_addr: ':1812'\n\n  auth_adr: ':1'\n", "line 4: radius.auth_adr: unknown setting"},
		{"unknown nested key", "retention:\n  stale:\n    multiple: 3\n    multiplier: 4\n", "line 4: retention.stale.multiplier: unknown setting"},
		{"bad duration", "radius:\n  auth_addr: ':1812'\n  duplicate_window: soon\n",
			`line 3: radius.duplicate_window: "soon" is not a duration such as 90s, 10m or 24h`},
		{"bad duration on the next line", "retention:\n  sessions:\n    forever\n", `line 2: retention.sessions: "forever" is not a duration`},
		{"bad bool", "usage:\n  publish: sometimes\n", `line 2: usage.publish: "sometimes" is not true or false`},
		{"bad number", "usage:\n  privacy:\n    epsilon: [1]\n", "line 3: usage.privacy.epsilon: a list is not a number"},
		{"not a mapping", "- radius\n", "line 1: expected settings (key: value), not a list"},
		{"key twice", "log_level: info\nlog_level: warn\n", `line 2: mapping key "log_level" already defined at line 1`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "c.yaml")
			if err := os.WriteFile(path, []byte(tc.yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := Load(path)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "config: "+path+": ") {
				t.Fatalf("got %v\nwant config: %s: …%s", err, path, tc.want)
			}
		})
	}
}

// TestParseKeepsGoodSettings checks that the walk rejects nothing valid:
// the example file, aliases and empty sections load as before.
func TestParseKeepsGoodSettings(t *testing.T) {
	for _, y := range []string{"", "# nothing\n", "radius:\n", "radius:\n  duplicate_window: &w 2s\n  eap:\n    timeout: *w\n"} {
		c := Default()
		if err := Parse([]byte(y), &c); err != nil {
			t.Errorf("%q: %v", y, err)
		}
	}
	c := Default()
	if err := Parse([]byte("log_level: debug\nretention:\n  stale:\n    multiple: 4\n"), &c); err != nil || c.LogLevel != "debug" || c.Retention.Stale.Multiple != 4 {
		t.Errorf("got %v, log level %q, multiple %d", err, c.LogLevel, c.Retention.Stale.Multiple)
	}
}

// FuzzParse: any input gives a config or an error, never a panic, and an
// error from the walk names a line.
func FuzzParse(f *testing.F) {
	example, err := os.ReadFile("../../configs/wifihk.yaml")
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{string(example), "radius:\n  duplicate_window:\n    soon\n", "radius: 3\n", "- a\n",
		"a: &a [*a]\n", "<<: {log_level: debug}\n", "x: &a {b: 1}\nradius: *a\n", "log_level: info\nlog_level: warn\n",
		"http:\n  max_body_bytes: 1e99\n", "usage:\n  privacy:\n    k: !!binary AAAA\n", "\xff\xfe"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		c := Default()
		if err := Parse(raw, &c); err != nil && !strings.Contains(err.Error(), "line ") && !strings.HasPrefix(err.Error(), "yaml:") {
			t.Errorf("%q: error names no line: %v", raw, err)
		}
	})
}
