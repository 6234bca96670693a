// Package config loads wifihk's configuration: documented defaults, then an
// optional YAML file, then command-line flags, validated once at start-up.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/wifihk/wifihk/hotspots"
)

// Config is the whole configuration. Every field has a default (Default).
type Config struct {
	// DataDir holds the database and the key file. Default ./wifihk-data.
	DataDir string `yaml:"data_dir"`
	// LogLevel is debug, info, warn or error. Default info.
	LogLevel string `yaml:"log_level"`
	RADIUS   RADIUS `yaml:"radius"`
	HTTP     HTTP   `yaml:"http"`
	// Plan is the access plan used where a NAS has no venue or the venue
	// has no plan. Default: free, 30-minute sessions, 2 a day per device.
	Plan     hotspots.Plan `yaml:"default_plan"`
	Coverage Coverage      `yaml:"coverage"`
}

// RADIUS configures the RADIUS server.
type RADIUS struct {
	// AuthAddr is the authentication listener. Default :1812.
	AuthAddr string `yaml:"auth_addr"`
	// AcctAddr is the accounting listener. Default :1813.
	AcctAddr string `yaml:"acct_addr"`
	// DuplicateWindow is how long a reply is cached for retransmissions
	// (RFC 5080; FreeRADIUS cleanup_delay). Default 5s.
	DuplicateWindow time.Duration `yaml:"duplicate_window"`
	// UnknownLogEvery limits the log line about packets from unknown
	// sources to one per this interval. Default 10s.
	UnknownLogEvery time.Duration `yaml:"unknown_log_every"`
}

// HTTP configures the web listener (portal, console, API, open data, metrics).
type HTTP struct {
	// Addr is the listen address. Default :8080.
	Addr string `yaml:"addr"`
	// PublicURL is how visitors reach the portal, e.g. https://wifi.example.hk.
	// Default: derived from each request's Host.
	PublicURL string `yaml:"public_url"`
	// TLSAddr is the HTTPS listen address, used when a certificate is set
	// (or in -demo, with a self-signed one). Default :8443.
	TLSAddr string `yaml:"tls_addr"`
	// TLSCert and TLSKey enable HTTPS when both are set.
	TLSCert string `yaml:"tls_cert"`
	TLSKey  string `yaml:"tls_key"`
	// MaxBodyBytes caps every request body. Default 1 MiB.
	MaxBodyBytes int64 `yaml:"max_body_bytes"`
}

// Coverage configures the coverage view.
type Coverage struct {
	// TargetVenuesPerDistrict flags districts with fewer venues. Default 100.
	TargetVenuesPerDistrict int `yaml:"target_venues_per_district"`
}

// Default returns the configuration with every default filled in.
func Default() Config {
	return Config{
		DataDir:  "./wifihk-data",
		LogLevel: "info",
		RADIUS: RADIUS{
			AuthAddr:        ":1812",
			AcctAddr:        ":1813",
			DuplicateWindow: 5 * time.Second,
			UnknownLogEvery: 10 * time.Second,
		},
		HTTP:     HTTP{Addr: ":8080", TLSAddr: ":8443", MaxBodyBytes: 1 << 20},
		Plan:     hotspots.DefaultPlan(),
		Coverage: Coverage{TargetVenuesPerDistrict: 100},
	}
}

// Load returns Default overlaid with the YAML file at path ("" for none).
// Unknown fields are errors, so a typo is not silently ignored.
func Load(path string) (Config, error) {
	c := Default()
	if path == "" {
		return c, nil
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return c, fmt.Errorf("config: %w", err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
		return c, fmt.Errorf("config: %s: %w", path, err)
	}
	return c, nil
}

// Validate names the first field that is wrong.
func (c Config) Validate() error {
	if c.DataDir == "" {
		return errors.New("config: data_dir: required")
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("config: log_level: %q is not debug, info, warn or error", c.LogLevel)
	}
	for _, a := range []struct{ name, v string }{
		{"radius.auth_addr", c.RADIUS.AuthAddr},
		{"radius.acct_addr", c.RADIUS.AcctAddr},
		{"http.addr", c.HTTP.Addr},
		{"http.tls_addr", c.HTTP.TLSAddr},
	} {
		if _, _, err := net.SplitHostPort(a.v); err != nil {
			return fmt.Errorf("config: %s: %q is not host:port (%v)", a.name, a.v, err)
		}
	}
	if c.RADIUS.DuplicateWindow <= 0 || c.RADIUS.DuplicateWindow > time.Minute {
		return fmt.Errorf("config: radius.duplicate_window: %v must be between 0 and 1m", c.RADIUS.DuplicateWindow)
	}
	if c.RADIUS.UnknownLogEvery <= 0 {
		return fmt.Errorf("config: radius.unknown_log_every: must be positive")
	}
	if (c.HTTP.TLSCert == "") != (c.HTTP.TLSKey == "") {
		return errors.New("config: http.tls_cert and http.tls_key: set both or neither")
	}
	if c.HTTP.MaxBodyBytes < 1024 {
		return fmt.Errorf("config: http.max_body_bytes: %d is under 1024", c.HTTP.MaxBodyBytes)
	}
	if err := c.Plan.Validate(); err != nil {
		return fmt.Errorf("config: default_plan: %w", err)
	}
	if c.Coverage.TargetVenuesPerDistrict < 0 {
		return errors.New("config: coverage.target_venues_per_district: must not be negative")
	}
	return nil
}
