package wire

import (
	"math"
	"strconv"
	"time"
	"unicode/utf8"
)

// AppendJSON appends r as JSON that encoding/json decodes back to r, written
// without reflection: the agent binary stays small (no encoding/json) and
// encoding a report allocates almost nothing.
func (r *Report) AppendJSON(b []byte) []byte {
	b = append(b, `{"v":`...)
	b = strconv.AppendInt(b, int64(r.Version), 10)
	b = appendUint(b, "seq", r.Seq)
	b = appendStr(b, "agent_version", r.AgentVersion)
	b = appendTime(b, "start", r.Start)
	b = appendTime(b, "end", r.End)
	b = appendInt(b, "interval_s", int64(r.IntervalS))
	b = append(b, `,"pseudonymised":`...)
	b = strconv.AppendBool(b, r.Pseudonymised)
	if r.Gateway != "" {
		b = appendStr(b, "gateway", r.Gateway)
	}
	b = append(b, `,"ap":`...)
	b = r.AP.appendJSON(b)
	b = append(b, `,"clients":[`...)
	for i := range r.Clients {
		if i > 0 {
			b = append(b, ',')
		}
		b = r.Clients[i].appendJSON(b)
	}
	return append(b, "]}"...)
}

func (s *APStats) appendJSON(b []byte) []byte {
	b = append(b, '{')
	if s.Iface != "" {
		b = appendStr(b, "iface", s.Iface)
	}
	b = appendInt(b, "clients_interval", int64(s.ClientsInterval))
	b = appendInt(b, "clients_now", int64(s.ClientsNow))
	for _, f := range []struct {
		k string
		v uint64
	}{
		{"bytes_up", s.BytesUp}, {"bytes_down", s.BytesDown},
		{"packets_up", s.PacketsUp}, {"packets_down", s.PacketsDown},
		{"captured", s.Captured}, {"capture_drops", s.CaptureDrops},
	} {
		b = appendUint(b, f.k, f.v)
	}
	b = appendFloat(b, "uptime_s", s.UptimeS)
	b = appendFloat(b, "load1", s.Load1)
	b = appendFloat(b, "load5", s.Load5)
	b = appendFloat(b, "load15", s.Load15)
	for _, f := range []struct {
		k string
		v uint64
	}{
		{"mem_total_kb", s.MemTotalKB}, {"mem_available_kb", s.MemAvailableKB},
		{"agent_rss_kb", s.AgentRSSKB},
		{"if_rx_bytes", s.IfRxBytes}, {"if_tx_bytes", s.IfTxBytes},
		{"if_rx_packets", s.IfRxPackets}, {"if_tx_packets", s.IfTxPackets},
		{"if_rx_errors", s.IfRxErrors}, {"if_tx_errors", s.IfTxErrors},
		{"if_rx_dropped", s.IfRxDropped}, {"if_tx_dropped", s.IfTxDropped},
	} {
		b = appendUint(b, f.k, f.v)
	}
	return append(b, '}')
}

func (c *Client) appendJSON(b []byte) []byte {
	b = append(b, `{"id":`...)
	b = appendQuoted(b, c.ID)
	if c.IP != "" {
		b = appendStr(b, "ip", c.IP)
	}
	if c.Hostname != "" {
		b = appendStr(b, "hostname", c.Hostname)
	}
	b = appendUint(b, "bytes_up", c.BytesUp)
	b = appendUint(b, "bytes_down", c.BytesDown)
	b = appendUint(b, "packets_up", c.PacketsUp)
	b = appendUint(b, "packets_down", c.PacketsDown)
	b = appendTime(b, "first_seen", c.FirstSeen)
	b = appendTime(b, "last_seen", c.LastSeen)
	return append(b, '}')
}

func appendKey(b []byte, k string) []byte {
	if b[len(b)-1] != '{' {
		b = append(b, ',')
	}
	b = append(b, '"')
	b = append(b, k...)
	return append(b, '"', ':')
}

func appendUint(b []byte, k string, v uint64) []byte {
	return strconv.AppendUint(appendKey(b, k), v, 10)
}

func appendInt(b []byte, k string, v int64) []byte {
	return strconv.AppendInt(appendKey(b, k), v, 10)
}

func appendFloat(b []byte, k string, v float64) []byte {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		v = 0
	}
	return strconv.AppendFloat(appendKey(b, k), v, 'g', -1, 64)
}

func appendStr(b []byte, k, v string) []byte { return appendQuoted(appendKey(b, k), v) }

func appendTime(b []byte, k string, t time.Time) []byte {
	b = append(appendKey(b, k), '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}

// appendQuoted writes s as a JSON string; invalid UTF-8 becomes U+FFFD, as
// encoding/json does.
func appendQuoted(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c < 0x20 || c == '<' || c == '>' || c == '&':
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}
