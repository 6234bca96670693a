package agent

import (
	"os"
	"strings"
	"testing"
	"time"
)

func TestShippedConfigParsesAndValidates(t *testing.T) {
	c, err := LoadConfig("../configs/wifihk-agent.yaml")
	if err != nil {
		t.Fatal(err)
	}
	def := DefaultConfig()
	if c.Interval != def.Interval || c.SpoolMaxBytes != def.SpoolMaxBytes || c.Iface != "br-lan" ||
		c.TokenFile != "/etc/wifihk-agent.token" || !c.Pseudonymise || c.BackoffMax != 5*time.Minute {
		t.Fatalf("example config read as %+v", c)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("example config: %v", err)
	}
}

func TestConfigFileErrorsNameTheLineAndKey(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		{"intervall: 60s", "line 1: intervall: unknown setting"},
		{"interval: soon", `interval: "soon" is not a duration`},
		{"# c\npromiscuous: maybe", "line 2: promiscuous"},
		{"  iface: x", "line 1: unexpected indentation"},
		{"token: \"unterminated", "unterminated"},
		{"spool_max_files: 1.5", "not a whole number"},
		{"exclude_macs: nope", "want a list"},
		{"just words", "line 1: want"},
	} {
		cfg := DefaultConfig()
		err := parseConfigFile(&cfg, c.src)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: got %v, want %q", c.src, err, c.want)
		}
	}
}

func TestConfigFileListsQuotesAndComments(t *testing.T) {
	cfg := DefaultConfig()
	src := "controller: 'http://c:8080' # comment\ntoken: \"a#b\"\nexclude_macs:\n  - 00:11:22:33:44:55\n\n  - '00:11:22:33:44:56'\niface: br-lan\n"
	if err := parseConfigFile(&cfg, src); err != nil {
		t.Fatal(err)
	}
	if cfg.Controller != "http://c:8080" || cfg.Token != "a#b" || len(cfg.ExcludeMACs) != 2 || cfg.ExcludeMACs[1] != "00:11:22:33:44:56" || cfg.Iface != "br-lan" {
		t.Fatalf("got %+v", cfg)
	}
	cfg2 := DefaultConfig()
	if err := parseConfigFile(&cfg2, "exclude_macs: [00:11:22:33:44:55, \"00:11:22:33:44:57\"]"); err != nil || len(cfg2.ExcludeMACs) != 2 {
		t.Fatalf("flow list: %v %v", cfg2.ExcludeMACs, err)
	}
}

func TestValidateNamesTheField(t *testing.T) {
	base := DefaultConfig()
	base.Controller, base.Token, base.Iface = "https://c", "t", "br-lan"
	for _, c := range []struct {
		mod  func(*Config)
		want string
	}{
		{func(c *Config) { c.Controller = "ftp://x" }, "controller"},
		{func(c *Config) { c.Token = "" }, "token"},
		{func(c *Config) { c.Pcap = "x.pcap" }, "iface, pcap"},
		{func(c *Config) { c.Interval = 0 }, "interval"},
		{func(c *Config) { c.Gateway = "nope" }, "gateway"},
		{func(c *Config) { c.PseudonymKey = "short" }, "pseudonym_key"},
		{func(c *Config) { c.ExcludeMACs = []string{"x"} }, "exclude_macs"},
		{func(c *Config) { c.SpoolMaxBytes = 10 }, "spool_max_bytes"},
		{func(c *Config) { c.LogLevel = "loud" }, "log_level"},
	} {
		cfg := base
		c.mod(&cfg)
		if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("got %v, want an error naming %s", err, c.want)
		}
	}
	if err := base.Validate(); err != nil {
		t.Fatal(err)
	}
}

func FuzzConfigFile(f *testing.F) {
	raw, _ := os.ReadFile("../configs/wifihk-agent.yaml")
	f.Add(string(raw))
	f.Add("exclude_macs: [a, 'b', \"c\"]\n")
	f.Add("exclude_macs:\n - x\n - 'y\n")
	f.Fuzz(func(t *testing.T, src string) {
		cfg := DefaultConfig()
		parseConfigFile(&cfg, src) // must not panic
		cfg.Validate()
	})
}
