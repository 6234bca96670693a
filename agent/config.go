package agent

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"
)

// Config is the agent's configuration: Default, then an optional file (a
// flat YAML mapping, see parseConfigFile),
// then flags. Every field has a default; Validate names a wrong field.
type Config struct {
	// Controller is the controller's base URL, e.g. https://wifi.example.hk.
	Controller string
	// Token is the AP's agent token from "wifihk ap add"; TokenFile reads it
	// from a file instead (kept out of the process list).
	Token     string
	TokenFile string
	// CAFile adds a CA certificate (PEM) for the controller's TLS.
	CAFile string

	// Iface is the client-facing interface to capture on (live), or Pcap a
	// file to replay. Exactly one is set.
	Iface string
	Pcap  string
	// Promiscuous captures frames the bridge forwards, not only those for
	// the AP itself. Default true.
	Promiscuous bool

	// Interval between reports. Default 60s.
	Interval time.Duration
	// Once sends one report (one interval live, the whole file on replay)
	// and exits: non-zero if the controller refused it.
	Once bool

	// SpoolDir keeps unsent reports and the sequence number across
	// restarts. Default /var/spool/wifihk-agent.
	SpoolDir string
	// SpoolMaxBytes and SpoolMaxFiles bound the spool; the oldest reports
	// are dropped beyond them. Defaults 4 MiB and 5000.
	SpoolMaxBytes int64
	SpoolMaxFiles int
	// BackoffMin and BackoffMax bound the jittered retry delay. Defaults 2s
	// and 5m.
	BackoffMin time.Duration
	BackoffMax time.Duration
	// Timeout for one POST. Default 20s.
	Timeout time.Duration

	// Gateway overrides the gateway MAC found from the default route (live)
	// or from the traffic (replay).
	Gateway string
	// ExcludeMACs are never clients (the AP's own radios, say). The capture
	// interface's own MAC is always excluded.
	ExcludeMACs []string

	// Pseudonymise sends HMAC-SHA256(key, MAC) instead of client MACs, as
	// Hong Kong's Personal Data (Privacy) Ordinance expects. Default true.
	Pseudonymise bool
	// PseudonymKey (or PseudonymKeyFile) is the deployment-wide key, at
	// least 16 bytes, so that one device has one pseudonym at every AP.
	// Without it the key is derived from the token: pseudonyms are then
	// per AP.
	PseudonymKey     string
	PseudonymKeyFile string
	// SendHostnames sends DHCP hostnames. Default true.
	SendHostnames bool

	// ActiveWindow: a client seen this recently counts as connected now.
	// Default 5m. ForgetAfter: a client unseen this long is forgotten.
	// Default 1h.
	ActiveWindow time.Duration
	ForgetAfter  time.Duration

	// ProcRoot is where /proc and /sys are found. Default "/".
	ProcRoot string
	// LogLevel is debug, info, warn or error. Default info.
	LogLevel string
}

// DefaultConfig returns the configuration with every default filled in.
func DefaultConfig() Config {
	return Config{
		Promiscuous:   true,
		Interval:      60 * time.Second,
		SpoolDir:      "/var/spool/wifihk-agent",
		SpoolMaxBytes: 4 << 20,
		SpoolMaxFiles: 5000,
		BackoffMin:    2 * time.Second,
		BackoffMax:    5 * time.Minute,
		Timeout:       20 * time.Second,
		Pseudonymise:  true,
		SendHostnames: true,
		ActiveWindow:  5 * time.Minute,
		ForgetAfter:   time.Hour,
		ProcRoot:      "/",
		LogLevel:      "info",
	}
}

// LoadConfig returns DefaultConfig overlaid with the config file at path ("" for
// none). Unknown fields are errors.
func LoadConfig(path string) (Config, error) {
	c := DefaultConfig()
	if path == "" {
		return c, nil
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return c, fmt.Errorf("agent: config: %w", err)
	}
	if err := parseConfigFile(&c, string(raw)); err != nil {
		return c, fmt.Errorf("agent: config: %s: %w", path, err)
	}
	return c, nil
}

// Validate names the first field that is wrong.
func (c Config) Validate() error {
	u, err := url.Parse(c.Controller)
	switch {
	case c.Controller == "":
		return errors.New("agent: controller: required")
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		return fmt.Errorf("agent: controller: %q is not an http(s) URL", c.Controller)
	case c.Token == "" && c.TokenFile == "":
		return errors.New("agent: token: required (or token_file)")
	case (c.Iface == "") == (c.Pcap == ""):
		return errors.New("agent: iface, pcap: set exactly one")
	case c.Interval <= 0 || c.Interval > 24*time.Hour:
		return fmt.Errorf("agent: interval: %v is not between 0 and 24h", c.Interval)
	case c.SpoolDir == "":
		return errors.New("agent: spool_dir: required")
	case c.SpoolMaxBytes < 64<<10:
		return fmt.Errorf("agent: spool_max_bytes: %d is under 65536", c.SpoolMaxBytes)
	case c.SpoolMaxFiles < 1:
		return errors.New("agent: spool_max_files: must be positive")
	case c.BackoffMin <= 0 || c.BackoffMax < c.BackoffMin:
		return errors.New("agent: backoff_min, backoff_max: need 0 < backoff_min <= backoff_max")
	case c.Timeout <= 0:
		return errors.New("agent: timeout: must be positive")
	case c.Gateway != "" && !validMAC(c.Gateway):
		return fmt.Errorf("agent: gateway: %q is not a MAC address", c.Gateway)
	case c.PseudonymKey != "" && len(c.PseudonymKey) < 16:
		return errors.New("agent: pseudonym_key: must be at least 16 bytes")
	case c.ActiveWindow <= 0 || c.ForgetAfter < c.ActiveWindow:
		return errors.New("agent: active_window, forget_after: need 0 < active_window <= forget_after")
	}
	for _, m := range c.ExcludeMACs {
		if !validMAC(m) {
			return fmt.Errorf("agent: exclude_macs: %q is not a MAC address", m)
		}
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("agent: log_level: %q is not debug, info, warn or error", c.LogLevel)
	}
	return nil
}

func validMAC(s string) bool { _, ok := ParseMAC(s); return ok }

// secrets reads the token and the pseudonym key, from files where set.
func (c Config) secrets() (token string, key []byte, err error) {
	token = c.Token
	if c.TokenFile != "" {
		b, err := os.ReadFile(c.TokenFile)
		if err != nil {
			return "", nil, fmt.Errorf("agent: token_file: %w", err)
		}
		token = strings.TrimSpace(string(b))
	}
	if token == "" {
		return "", nil, errors.New("agent: token: empty")
	}
	key = []byte(c.PseudonymKey)
	if c.PseudonymKeyFile != "" {
		b, err := os.ReadFile(c.PseudonymKeyFile)
		if err != nil {
			return "", nil, fmt.Errorf("agent: pseudonym_key_file: %w", err)
		}
		key = bytes.TrimSpace(b)
		if len(key) < 16 {
			return "", nil, errors.New("agent: pseudonym_key_file: key must be at least 16 bytes")
		}
	}
	return token, key, nil
}
