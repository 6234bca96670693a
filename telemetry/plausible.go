package telemetry

import (
	"errors"
	"fmt"
	"time"

	"github.com/wifihk/wifihk/agent/wire"
	"github.com/wifihk/wifihk/internal/input"
)

// ErrImplausible is wrapped, with an *input.FieldError naming the field,
// by DecodeReport's error for a report that is well formed but reports
// more than an AP can carry; the HTTP layer answers 422.
var ErrImplausible = errors.New("telemetry: implausible report")

// The physical bounds a report is held to. They are generous, far above
// any access point, and there so that a broken or hostile agent cannot
// drive the totals and averages built from reports past what their
// counters hold.
const (
	// MaxLineRate is the most bytes a second one direction of an AP can
	// carry: 10 Gbit/s.
	MaxLineRate = 10_000_000_000 / 8
	// MinFrame is the smallest frame, in bytes: MaxLineRate/MinFrame is
	// the most packets a second.
	MinFrame = 64
	// MaxClientsNow bounds clients_now and clients_interval.
	MaxClientsNow = 10_000
)

// plausible checks r's figures against the physical bounds: bytes and
// packets within what the line rate carries in the report's interval
// (the longer of end - start and interval_s, at least a second and at
// most two days), client counts within MaxClientsNow.
func plausible(r *wire.Report) error {
	span := min(uint64(r.End.Sub(r.Start)/time.Second)+1, 2*wire.MaxIntervalS)
	secs := max(span, uint64(r.IntervalS))
	maxBytes := secs * MaxLineRate // at most 172800 s × 1.25e9: far from overflow
	maxPackets := maxBytes / MinFrame
	over := func(field string, v, limit uint64, what string) error {
		return fmt.Errorf("%w: %w", ErrImplausible, input.Errorf(field,
			"%d %s in %d s is more than 10 Gbit/s carries (at most %d)", v, what, secs, limit))
	}
	if r.AP.ClientsNow > MaxClientsNow {
		return fmt.Errorf("%w: %w", ErrImplausible, input.Errorf("ap.clients_now", "%d is more than %d", r.AP.ClientsNow, MaxClientsNow))
	}
	if r.AP.ClientsInterval > MaxClientsNow {
		return fmt.Errorf("%w: %w", ErrImplausible, input.Errorf("ap.clients_interval", "%d is more than %d", r.AP.ClientsInterval, MaxClientsNow))
	}
	for _, f := range []struct {
		field    string
		v, limit uint64
		what     string
	}{
		{"ap.bytes_up", r.AP.BytesUp, maxBytes, "bytes"},
		{"ap.bytes_down", r.AP.BytesDown, maxBytes, "bytes"},
		{"ap.packets_up", r.AP.PacketsUp, maxPackets, "packets"},
		{"ap.packets_down", r.AP.PacketsDown, maxPackets, "packets"},
		{"ap.captured", r.AP.Captured, 2 * maxPackets, "packets"},
		{"ap.capture_drops", r.AP.CaptureDrops, 2 * maxPackets, "packets"},
	} {
		if f.v > f.limit {
			return over(f.field, f.v, f.limit, f.what)
		}
	}
	for i := range r.Clients {
		c := &r.Clients[i]
		for _, f := range []struct {
			field    string
			v, limit uint64
			what     string
		}{
			{"bytes_up", c.BytesUp, maxBytes, "bytes"},
			{"bytes_down", c.BytesDown, maxBytes, "bytes"},
			{"packets_up", c.PacketsUp, maxPackets, "packets"},
			{"packets_down", c.PacketsDown, maxPackets, "packets"},
		} {
			if f.v > f.limit {
				return over(fmt.Sprintf("clients[%d].%s", i, f.field), f.v, f.limit, f.what)
			}
		}
	}
	return nil
}
