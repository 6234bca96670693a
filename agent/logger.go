package agent

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// Logger is what the agent logs through. *slog.Logger satisfies it; the
// wifihk-agent binary uses TextLogger instead, because log/slog (and the
// encoding/json it pulls in) would add about 300 KB to a binary that must
// fit on small OpenWrt APs.
type Logger interface {
	Debug(msg string, args ...any)
	Info(msg string, args ...any)
	Warn(msg string, args ...any)
	Error(msg string, args ...any)
}

// Log levels for TextLogger, as slog numbers them.
const (
	LevelDebug = -4
	LevelInfo  = 0
	LevelWarn  = 4
	LevelError = 8
)

// TextLogger writes "time level msg key=value…" lines, like slog's text
// handler.
type TextLogger struct {
	mu    sync.Mutex
	w     io.Writer
	level int
}

// NewTextLogger logs at level and above to w.
func NewTextLogger(w io.Writer, level int) *TextLogger { return &TextLogger{w: w, level: level} }

// ParseLevel maps debug, info, warn and error to a level.
func ParseLevel(s string) int {
	switch s {
	case "debug":
		return LevelDebug
	case "warn":
		return LevelWarn
	case "error":
		return LevelError
	}
	return LevelInfo
}

func (l *TextLogger) Debug(msg string, args ...any) { l.log(LevelDebug, "DEBUG", msg, args) }
func (l *TextLogger) Info(msg string, args ...any)  { l.log(LevelInfo, "INFO", msg, args) }
func (l *TextLogger) Warn(msg string, args ...any)  { l.log(LevelWarn, "WARN", msg, args) }
func (l *TextLogger) Error(msg string, args ...any) { l.log(LevelError, "ERROR", msg, args) }

func (l *TextLogger) log(level int, name, msg string, args []any) {
	if level < l.level {
		return
	}
	b := time.Now().AppendFormat(nil, "time=2006-01-02T15:04:05.000Z07:00")
	b = fmt.Appendf(b, " level=%s msg=%q", name, msg)
	for i := 0; i+1 < len(args); i += 2 {
		v := fmt.Sprint(args[i+1])
		if needsQuote(v) {
			b = fmt.Appendf(b, " %v=%q", args[i], v)
		} else {
			b = fmt.Appendf(b, " %v=%s", args[i], v)
		}
	}
	b = append(b, '\n')
	l.mu.Lock()
	l.w.Write(b)
	l.mu.Unlock()
}

func needsQuote(s string) bool {
	if s == "" {
		return true
	}
	for _, r := range s {
		if r <= ' ' || r == '"' || r == '=' || r > '~' {
			return true
		}
	}
	return false
}

type discard struct{}

func (discard) Debug(string, ...any) {}
func (discard) Info(string, ...any)  {}
func (discard) Warn(string, ...any)  {}
func (discard) Error(string, ...any) {}
