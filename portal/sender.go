package portal

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/wifihk/wifihk/internal/datadir"
)

// Outbox is the default Sender: it appends each message to a file (mode
// 0600, one JSON object a line) for an operator or a relay to deliver, and
// logs that it did with the address masked. SMTP sends e-mail instead
// (ByContact{Email: smtp, Phone: outbox}); an SMS gateway would plug in
// through the Sender interface the same way.
type Outbox struct {
	path string
	log  *slog.Logger
	mu   sync.Mutex
	now  func() time.Time
}

// NewOutbox writes to data dir dir's outbox file.
func NewOutbox(dir string, log *slog.Logger) *Outbox {
	return &Outbox{path: datadir.Dir(dir).Outbox(), log: log, now: time.Now}
}

// Send appends the message.
func (o *Outbox) Send(_ context.Context, to, message string) error {
	line, _ := json.Marshal(map[string]any{"time": o.now().UTC(), "to": to, "message": message})
	o.mu.Lock()
	defer o.mu.Unlock()
	f, err := os.OpenFile(o.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("portal: outbox: %w", err)
	}
	_, err = f.Write(append(line, '\n'))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("portal: outbox: %w", err)
	}
	o.log.Info("code queued in outbox", "to", MaskContact(to), "file", o.path)
	return nil
}
