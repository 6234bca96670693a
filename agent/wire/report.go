// Package wire is the report an access-point agent sends to the controller:
// its JSON shape, its limits and its validation. Both sides import it, so it
// depends on the standard library only.
package wire

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"
	"unicode/utf8"
)

// Version is the report format this package reads and writes.
const Version = 1

// Path is where agents POST reports on the controller.
const Path = "/api/v1/agent/reports"

// Limits on a report. A larger body gets 413; the agent keeps its reports
// well under them.
const (
	MaxBodyBytes    = 256 << 10 // gzip body as sent
	MaxDecodedBytes = 2 << 20   // after gunzip
	MaxClients      = 4096
	MaxHostnameLen  = 64
	MaxIntervalS    = 86400
)

// Report is one interval's measurements from one AP.
type Report struct {
	Version      int    `json:"v"`
	Seq          uint64 `json:"seq"` // increasing per AP; the controller's idempotency key
	AgentVersion string `json:"agent_version"`
	// Start and End bound the interval measured (packet times on replay).
	Start     time.Time `json:"start"`
	End       time.Time `json:"end"`
	IntervalS int       `json:"interval_s"` // the agent's reporting interval
	// Pseudonymised says client IDs are HMACs of the MACs, not MACs.
	Pseudonymised bool     `json:"pseudonymised"`
	Gateway       string   `json:"gateway,omitempty"` // gateway MAC used for direction
	AP            APStats  `json:"ap"`
	Clients       []Client `json:"clients"`
}

// APStats are the AP's own figures for the interval.
type APStats struct {
	Iface           string `json:"iface,omitempty"`
	ClientsInterval int    `json:"clients_interval"` // distinct clients seen in the interval
	ClientsNow      int    `json:"clients_now"`      // clients seen in the last active window
	BytesUp         uint64 `json:"bytes_up"`
	BytesDown       uint64 `json:"bytes_down"`
	PacketsUp       uint64 `json:"packets_up"`
	PacketsDown     uint64 `json:"packets_down"`
	// Packets captured, and those the kernel or the agent's bounds dropped.
	Captured     uint64 `json:"captured"`
	CaptureDrops uint64 `json:"capture_drops"`
	// From /proc and /sys; zero when unknown.
	UptimeS        float64 `json:"uptime_s"`
	Load1          float64 `json:"load1"`
	Load5          float64 `json:"load5"`
	Load15         float64 `json:"load15"`
	MemTotalKB     uint64  `json:"mem_total_kb"`
	MemAvailableKB uint64  `json:"mem_available_kb"`
	AgentRSSKB     uint64  `json:"agent_rss_kb"`
	IfRxBytes      uint64  `json:"if_rx_bytes"`
	IfTxBytes      uint64  `json:"if_tx_bytes"`
	IfRxPackets    uint64  `json:"if_rx_packets"`
	IfTxPackets    uint64  `json:"if_tx_packets"`
	IfRxErrors     uint64  `json:"if_rx_errors"`
	IfTxErrors     uint64  `json:"if_tx_errors"`
	IfRxDropped    uint64  `json:"if_rx_dropped"`
	IfTxDropped    uint64  `json:"if_tx_dropped"`
}

// Client is one device's traffic in the interval. Up is from the client
// towards the gateway (and its broadcasts), down is from the gateway to it.
type Client struct {
	ID          string    `json:"id"` // MAC, or PseudonymPrefix + hex HMAC
	IP          string    `json:"ip,omitempty"`
	Hostname    string    `json:"hostname,omitempty"`
	BytesUp     uint64    `json:"bytes_up"`
	BytesDown   uint64    `json:"bytes_down"`
	PacketsUp   uint64    `json:"packets_up"`
	PacketsDown uint64    `json:"packets_down"`
	FirstSeen   time.Time `json:"first_seen"`
	LastSeen    time.Time `json:"last_seen"`
}

// PseudonymPrefix starts a pseudonymised client ID; 24 hex digits follow.
const PseudonymPrefix = "p-"

// ErrInvalid wraps every validation failure.
var ErrInvalid = errors.New("wire: invalid report")

func invalid(format string, a ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, a...)...)
}

// Validate names the first field that is wrong.
func (r *Report) Validate() error {
	switch {
	case r.Version != Version:
		return invalid("v: %d is not %d", r.Version, Version)
	case r.Seq == 0:
		return invalid("seq: must be positive")
	case len(r.AgentVersion) > 64 || !printable(r.AgentVersion):
		return invalid("agent_version: must be at most 64 printable characters")
	case r.Start.IsZero() || r.End.IsZero():
		return invalid("start, end: required")
	case r.End.Before(r.Start):
		return invalid("end: before start")
	case r.IntervalS <= 0 || r.IntervalS > MaxIntervalS:
		return invalid("interval_s: %d is not between 1 and %d", r.IntervalS, MaxIntervalS)
	case r.Gateway != "" && !isMAC(r.Gateway):
		return invalid("gateway: %q is not a lower-case MAC", r.Gateway)
	case len(r.AP.Iface) > 32 || !printable(r.AP.Iface):
		return invalid("ap.iface: must be at most 32 printable characters")
	case r.AP.ClientsInterval < 0 || r.AP.ClientsNow < 0:
		return invalid("ap.clients: must not be negative")
	case len(r.Clients) > MaxClients:
		return invalid("clients: %d is more than %d", len(r.Clients), MaxClients)
	}
	seen := make(map[string]bool, len(r.Clients))
	for i := range r.Clients {
		if err := r.Clients[i].validate(r.Pseudonymised); err != nil {
			return invalid("clients[%d].%v", i, err)
		}
		if seen[r.Clients[i].ID] {
			return invalid("clients[%d].id: %q appears twice", i, r.Clients[i].ID)
		}
		seen[r.Clients[i].ID] = true
	}
	return nil
}

func (c *Client) validate(pseudonymised bool) error {
	switch {
	case pseudonymised && !isPseudonym(c.ID):
		return fmt.Errorf("id: %q is not %s and 24 hex digits", c.ID, PseudonymPrefix)
	case !pseudonymised && !isMAC(c.ID):
		return fmt.Errorf("id: %q is not a lower-case MAC", c.ID)
	case len(c.Hostname) > MaxHostnameLen || !printable(c.Hostname):
		return fmt.Errorf("hostname: must be at most %d printable characters", MaxHostnameLen)
	case c.FirstSeen.After(c.LastSeen):
		return fmt.Errorf("first_seen: after last_seen")
	}
	if c.IP != "" {
		if a, err := netip.ParseAddr(c.IP); err != nil || a.Zone() != "" {
			return fmt.Errorf("ip: %q is not an IP address", c.IP)
		}
	}
	return nil
}

// isMAC accepts exactly aa:bb:cc:dd:ee:ff in lower case.
func isMAC(s string) bool {
	if len(s) != 17 {
		return false
	}
	for i := 0; i < 17; i++ {
		if i%3 == 2 {
			if s[i] != ':' {
				return false
			}
		} else if !isHex(s[i]) {
			return false
		}
	}
	return true
}

func isPseudonym(s string) bool {
	h, ok := strings.CutPrefix(s, PseudonymPrefix)
	if !ok || len(h) != 24 {
		return false
	}
	for i := 0; i < len(h); i++ {
		if !isHex(h[i]) {
			return false
		}
	}
	return true
}

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' }

func printable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}
