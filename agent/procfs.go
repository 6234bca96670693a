package agent

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/wifihk/wifihk/agent/wire"
)

// System reads the AP's figures from /proc and /sys. Root is "/" on a real
// AP; tests point it at a fake tree.
type System struct{ Root string }

func (s System) path(p string) string { return filepath.Join(s.Root, p) }

// Fill sets the /proc and /sys figures of st; figures it cannot read stay
// zero, so a missing file never stops a report.
func (s System) Fill(st *wire.APStats, iface string) {
	if b, err := os.ReadFile(s.path("proc/uptime")); err == nil {
		if f := strings.Fields(string(b)); len(f) > 0 {
			st.UptimeS, _ = strconv.ParseFloat(f[0], 64)
		}
	}
	if b, err := os.ReadFile(s.path("proc/loadavg")); err == nil {
		if f := strings.Fields(string(b)); len(f) >= 3 {
			st.Load1, _ = strconv.ParseFloat(f[0], 64)
			st.Load5, _ = strconv.ParseFloat(f[1], 64)
			st.Load15, _ = strconv.ParseFloat(f[2], 64)
		}
	}
	mem := s.keyValues("proc/meminfo")
	st.MemTotalKB, st.MemAvailableKB = mem["MemTotal"], mem["MemAvailable"]
	st.AgentRSSKB = s.keyValues("proc/self/status")["VmRSS"]
	if iface == "" || strings.ContainsAny(iface, "/.") {
		return
	}
	for _, c := range []struct {
		name string
		dst  *uint64
	}{
		{"rx_bytes", &st.IfRxBytes}, {"tx_bytes", &st.IfTxBytes},
		{"rx_packets", &st.IfRxPackets}, {"tx_packets", &st.IfTxPackets},
		{"rx_errors", &st.IfRxErrors}, {"tx_errors", &st.IfTxErrors},
		{"rx_dropped", &st.IfRxDropped}, {"tx_dropped", &st.IfTxDropped},
	} {
		if b, err := os.ReadFile(s.path("sys/class/net/" + iface + "/statistics/" + c.name)); err == nil {
			*c.dst, _ = strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
		}
	}
}

// keyValues reads "Key:   123 kB" lines.
func (s System) keyValues(p string) map[string]uint64 {
	out := map[string]uint64{}
	b, err := os.ReadFile(s.path(p))
	if err != nil {
		return out
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if f := strings.Fields(v); ok && len(f) > 0 {
			if n, err := strconv.ParseUint(f[0], 10, 64); err == nil {
				out[k] = n
			}
		}
	}
	return out
}

// DefaultGateway is the default route's next hop and device, from
// /proc/net/route.
func (s System) DefaultGateway() (ip netip.Addr, dev string, err error) {
	b, err := os.ReadFile(s.path("proc/net/route"))
	if err != nil {
		return ip, "", fmt.Errorf("agent: gateway: %w", err)
	}
	return parseRoute(b)
}

// parseRoute finds the default route in /proc/net/route. Addresses there are
// hex in host byte order (little-endian on every AP we target).
func parseRoute(b []byte) (netip.Addr, string, error) {
	const rtfGateway = 0x2
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 8 || f[0] == "Iface" || f[1] != "00000000" || f[7] != "00000000" {
			continue
		}
		flags, err := strconv.ParseUint(f[3], 16, 32)
		if err != nil || flags&rtfGateway == 0 {
			continue
		}
		raw, err := hex.DecodeString(f[2])
		if err != nil || len(raw) != 4 {
			continue
		}
		var ip [4]byte
		binary.BigEndian.PutUint32(ip[:], binary.LittleEndian.Uint32(raw))
		return netip.AddrFrom4(ip), f[0], nil
	}
	return netip.Addr{}, "", fmt.Errorf("agent: gateway: no default route in /proc/net/route")
}

// Neighbour is ip's MAC from the ARP table, /proc/net/arp.
func (s System) Neighbour(ip netip.Addr) (MAC, error) {
	b, err := os.ReadFile(s.path("proc/net/arp"))
	if err != nil {
		return MAC{}, fmt.Errorf("agent: gateway: %w", err)
	}
	return parseARP(b, ip)
}

func parseARP(b []byte, ip netip.Addr) (MAC, error) {
	const atfCom = 0x2 // completed entry
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 6 || f[0] != ip.String() {
			continue
		}
		flags, err := strconv.ParseUint(strings.TrimPrefix(f[2], "0x"), 16, 32)
		if err != nil || flags&atfCom == 0 {
			continue
		}
		if m, ok := ParseMAC(f[3]); ok && m != (MAC{}) {
			return m, nil
		}
	}
	return MAC{}, fmt.Errorf("agent: gateway: %s is not in /proc/net/arp", ip)
}
