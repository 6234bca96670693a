package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/wifihk/wifihk/internal/store"
)

// The change feed between nodes (store.Change): a write transaction calls
// pg_notify on channel wifihk_feed with what it wrote, so that PostgreSQL
// delivers it only if the transaction commits, and in commit order; every
// node LISTENs on a connection of its own. A notification is
//
//	v1 ORIGIN BUCKET KEY…      (or)      v1 ORIGIN BUCKET *
//
// separated by spaces, ORIGIN being the sending Backend's random id (a
// node skips its own), the bucket and keys escaped (escapeKey) so that
// any bytes fit in PostgreSQL's text payload, and "*" meaning "reload the
// whole bucket". One commit's keys are cut into notifications of at most
// maxPayload bytes; past maxAnnounced bytes for one bucket, or for a key
// too long for any notification, one "*" is sent instead.
const (
	feedChannel = "wifihk_feed"
	feedVersion = "v1"
	// maxPayload keeps a notification under PostgreSQL's 8000-byte limit.
	maxPayload = 7900
	// maxAnnounced is the most key bytes one commit lists for one bucket.
	maxAnnounced = 1 << 20
)

// newOrigin returns a random id for a Backend.
func newOrigin() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// Announce queues notifications of changes; announceQueued sends them
// in the same transaction, just before it commits.
func (t *backendTx) Announce(changes []store.Change) error {
	for _, c := range changes {
		t.notes = append(t.notes, payloads(t.b.origin, c)...)
	}
	return nil
}

// announceQueued sends the queued notifications in one statement.
func (t *backendTx) announceQueued() error {
	if len(t.notes) == 0 {
		return nil
	}
	_, err := t.tx.Exec(t.ctx, "SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p", feedChannel, t.notes)
	return err
}

// payloads encodes one change as notifications.
func payloads(origin string, c store.Change) []string {
	head := feedVersion + " " + origin + " " + escapeKey(c.Bucket)
	size := 0
	for _, k := range c.Keys {
		size += len(k) + 1
	}
	if c.All || size > maxAnnounced {
		return []string{head + " *"}
	}
	var out []string
	var b strings.Builder
	for _, k := range c.Keys {
		e := escapeKey(k)
		if len(head)+1+len(e) > maxPayload { // fits no notification
			return []string{head + " *"}
		}
		if b.Len() > 0 && b.Len()+1+len(e) > maxPayload {
			out = append(out, b.String())
			b.Reset()
		}
		if b.Len() == 0 {
			b.WriteString(head)
		}
		b.WriteByte(' ')
		b.WriteString(e)
	}
	if b.Len() > 0 {
		out = append(out, b.String())
	}
	return out
}

// escapeKey writes bytes outside '!'..'~', and '%', as %XX: what is left
// has no space, no NUL and is ASCII, as a notification must be.
func escapeKey(k string) string {
	clean := true
	for i := 0; i < len(k); i++ {
		if c := k[i]; c < '!' || c > '~' || c == '%' {
			clean = false
			break
		}
	}
	if clean {
		return k
	}
	const hexdig = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(k); i++ {
		c := k[i]
		if c < '!' || c > '~' || c == '%' {
			b.WriteByte('%')
			b.WriteByte(hexdig[c>>4])
			b.WriteByte(hexdig[c&15])
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

var errPayload = errors.New("postgres: feed: malformed notification")

// unescapeKey reverses escapeKey.
func unescapeKey(e string) (string, error) {
	if !strings.Contains(e, "%") {
		return e, nil
	}
	var b strings.Builder
	for i := 0; i < len(e); i++ {
		if e[i] != '%' {
			b.WriteByte(e[i])
			continue
		}
		if i+2 >= len(e) {
			return "", errPayload
		}
		hi, lo := unhex(e[i+1]), unhex(e[i+2])
		if hi < 0 || lo < 0 {
			return "", errPayload
		}
		b.WriteByte(byte(hi<<4 | lo))
		i += 2
	}
	return b.String(), nil
}

func unhex(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'A' <= c && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// parsePayload decodes a notification: its origin and change.
func parsePayload(p string) (origin string, c store.Change, err error) {
	f := strings.Split(p, " ")
	if len(f) < 4 || f[0] != feedVersion || f[1] == "" {
		return "", c, fmt.Errorf("%w: %.40q", errPayload, p)
	}
	if c.Bucket, err = unescapeKey(f[2]); err != nil || c.Bucket == "" {
		return "", c, fmt.Errorf("%w: bucket %.40q", errPayload, f[2])
	}
	if len(f) == 4 && f[3] == "*" {
		c.All = true
		return f[1], c, nil
	}
	c.Keys = make([]string, 0, len(f)-3)
	for _, e := range f[3:] {
		k, err := unescapeKey(e)
		if err != nil || e == "" {
			return "", store.Change{}, fmt.Errorf("%w: key %.40q", errPayload, e)
		}
		c.Keys = append(c.Keys, k)
	}
	return f[1], c, nil
}

// Listen delivers other nodes' changes until ctx ends. It holds a
// connection of its own (not the pool's) with LISTEN wifihk_feed; when
// that connection is lost it connects again, backing off up to
// maxBackoff, and after every LISTEN delivers a Change with no bucket
// (reload everything), since what was committed meanwhile was missed.
func (b *Backend) Listen(ctx context.Context, deliver func(store.Change)) {
	backoff := minBackoff
	for ctx.Err() == nil {
		listening, err := b.listenOnce(ctx, deliver)
		if ctx.Err() != nil {
			return
		}
		if listening {
			backoff = minBackoff
		}
		b.feedLog().Warn("change feed: connection lost; reconnecting", "err", err, "in", backoff)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

const (
	minBackoff = 100 * time.Millisecond
	maxBackoff = 2 * time.Second
)

// listenOnce connects, listens and delivers until the connection fails;
// listening reports whether it got as far as LISTEN.
func (b *Backend) listenOnce(ctx context.Context, deliver func(store.Change)) (listening bool, err error) {
	conn, err := pgx.ConnectConfig(ctx, b.pool.Config().ConnConfig.Copy())
	if err != nil {
		return false, err
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "LISTEN "+feedChannel); err != nil {
		return false, err
	}
	deliver(store.Change{}) // whatever was committed before now, reload
	b.listening.Store(true)
	defer b.listening.Store(false)
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return true, err
		}
		origin, c, err := parsePayload(n.Payload)
		if err != nil {
			b.feedLog().Warn("change feed: notification skipped", "err", err)
			continue
		}
		if origin == b.origin {
			continue // our own: delivered locally at commit
		}
		deliver(c)
	}
}

// Listening reports whether the feed's connection is up, LISTENing.
func (b *Backend) Listening() bool { return b.listening.Load() }

func (b *Backend) feedLog() *slog.Logger {
	if l := b.log.Load(); l != nil {
		return l
	}
	return slog.New(slog.DiscardHandler)
}

// SetLogger sets where the feed logs a lost connection.
func (b *Backend) SetLogger(l *slog.Logger) { b.log.Store(l) }
