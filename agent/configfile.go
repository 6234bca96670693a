package agent

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// parseConfigFile reads the agent's config file into c. The file is a flat
// YAML mapping ("key: value" lines, # comments, quoted strings, lists as
// [a, b] or "- item" lines), read by this small parser instead of a YAML
// library to keep the agent binary small. Unknown keys are errors.
func parseConfigFile(c *Config, src string) error {
	lines := strings.Split(strings.ReplaceAll(src, "\r\n", "\n"), "\n")
	for i := 0; i < len(lines); i++ {
		line := stripComment(lines[i])
		if strings.TrimSpace(line) == "" || strings.TrimSpace(line) == "---" {
			continue
		}
		if line[0] == ' ' || line[0] == '\t' {
			return fmt.Errorf("line %d: unexpected indentation (the file is a flat mapping)", i+1)
		}
		key, val, ok := strings.Cut(line, ":")
		key, val = strings.TrimSpace(key), strings.TrimSpace(val)
		if !ok || key == "" {
			return fmt.Errorf("line %d: want \"key: value\"", i+1)
		}
		var list []string
		if val == "" { // a block list may follow
			for i+1 < len(lines) {
				next := strings.TrimSpace(stripComment(lines[i+1]))
				item, isItem := strings.CutPrefix(next, "- ")
				if next == "" {
					i++
					continue
				}
				if !isItem {
					break
				}
				s, err := unquote(strings.TrimSpace(item))
				if err != nil {
					return fmt.Errorf("line %d: %w", i+2, err)
				}
				list = append(list, s)
				i++
			}
		}
		if err := c.set(key, val, list); err != nil {
			return fmt.Errorf("line %d: %s: %w", i+1, key, err)
		}
	}
	return nil
}

// stripComment drops a # comment that is not inside quotes.
func stripComment(line string) string {
	var quote byte
	for i := 0; i < len(line); i++ {
		switch ch := line[i]; {
		case quote != 0:
			if ch == quote {
				quote = 0
			}
		case ch == '"' || ch == '\'':
			quote = ch
		case ch == '#' && (i == 0 || line[i-1] == ' ' || line[i-1] == '\t'):
			return strings.TrimRight(line[:i], " \t")
		}
	}
	return strings.TrimRight(line, " \t")
}

func unquote(s string) (string, error) {
	if len(s) >= 2 && (s[0] == '"' && s[len(s)-1] == '"') {
		u, err := strconv.Unquote(s)
		if err != nil {
			return "", fmt.Errorf("bad quoted string %s", s)
		}
		return u, nil
	}
	if len(s) >= 2 && s[0] == '\'' && s[len(s)-1] == '\'' {
		return strings.ReplaceAll(s[1:len(s)-1], "''", "'"), nil
	}
	if s != "" && (s[0] == '"' || s[0] == '\'') {
		return "", fmt.Errorf("unterminated string %s", s)
	}
	return s, nil
}

func (c *Config) set(key, raw string, list []string) error {
	val, err := unquote(raw)
	if err != nil {
		return err
	}
	str := func(dst *string) error { *dst = val; return nil }
	switch key {
	case "controller":
		return str(&c.Controller)
	case "token":
		return str(&c.Token)
	case "token_file":
		return str(&c.TokenFile)
	case "ca_file":
		return str(&c.CAFile)
	case "iface":
		return str(&c.Iface)
	case "pcap":
		return str(&c.Pcap)
	case "spool_dir":
		return str(&c.SpoolDir)
	case "gateway":
		return str(&c.Gateway)
	case "pseudonym_key":
		return str(&c.PseudonymKey)
	case "pseudonym_key_file":
		return str(&c.PseudonymKeyFile)
	case "proc_root":
		return str(&c.ProcRoot)
	case "log_level":
		return str(&c.LogLevel)
	case "promiscuous":
		return parseBool(val, &c.Promiscuous)
	case "once":
		return parseBool(val, &c.Once)
	case "pseudonymise":
		return parseBool(val, &c.Pseudonymise)
	case "send_hostnames":
		return parseBool(val, &c.SendHostnames)
	case "interval":
		return parseDuration(val, &c.Interval)
	case "backoff_min":
		return parseDuration(val, &c.BackoffMin)
	case "backoff_max":
		return parseDuration(val, &c.BackoffMax)
	case "timeout":
		return parseDuration(val, &c.Timeout)
	case "active_window":
		return parseDuration(val, &c.ActiveWindow)
	case "forget_after":
		return parseDuration(val, &c.ForgetAfter)
	case "spool_max_bytes":
		n, err := strconv.ParseInt(val, 10, 64)
		c.SpoolMaxBytes = n
		return numErr(err)
	case "spool_max_files":
		n, err := strconv.Atoi(val)
		c.SpoolMaxFiles = n
		return numErr(err)
	case "exclude_macs":
		if list == nil && raw != "" {
			if list, err = flowList(raw); err != nil {
				return err
			}
		}
		c.ExcludeMACs = list
		return nil
	}
	return errors.New("unknown setting")
}

func flowList(s string) ([]string, error) {
	if len(s) < 2 || s[0] != '[' || s[len(s)-1] != ']' {
		return nil, fmt.Errorf("want a list [a, b] or \"- item\" lines")
	}
	var out []string
	for _, f := range strings.Split(s[1:len(s)-1], ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		u, err := unquote(f)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, nil
}

func parseBool(s string, dst *bool) error {
	switch strings.ToLower(s) {
	case "true", "yes", "on":
		*dst = true
	case "false", "no", "off":
		*dst = false
	default:
		return fmt.Errorf("%q is not true or false", s)
	}
	return nil
}

func parseDuration(s string, dst *time.Duration) error {
	d, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("%q is not a duration like 60s or 5m", s)
	}
	*dst = d
	return nil
}

func numErr(err error) error {
	if err != nil {
		return errors.New("not a whole number")
	}
	return nil
}
