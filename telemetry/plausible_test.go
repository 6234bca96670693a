package telemetry_test

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/wifihk/wifihk/agent/wire"
	"github.com/wifihk/wifihk/internal/input"
	"github.com/wifihk/wifihk/telemetry"
)

// TestImplausibleReportsRefused: figures no AP can reach (more bytes than
// 10 Gbit/s carries in the interval, more than 10,000 clients) are
// refused with 422 naming the field, and store nothing; figures just
// within the bounds are stored.
func TestImplausibleReportsRefused(t *testing.T) {
	bothModes(t, func(t *testing.T, f *fixture) {
		now := f.clock.Now()
		lineMinute := uint64(61 * telemetry.MaxLineRate) // a minute's report: end - start + 1 s at 10 Gbit/s
		for _, c := range []struct {
			field string
			edit  func(r *wire.Report)
		}{
			{"ap.bytes_up", func(r *wire.Report) { r.AP.BytesUp = math.MaxUint64 }},
			{"ap.bytes_up", func(r *wire.Report) { r.AP.BytesUp = lineMinute + 1 }},
			{"ap.bytes_down", func(r *wire.Report) { r.AP.BytesDown = math.MaxUint64 }},
			{"ap.packets_up", func(r *wire.Report) { r.AP.PacketsUp = math.MaxUint64 }},
			{"ap.packets_down", func(r *wire.Report) { r.AP.PacketsDown = math.MaxUint64 }},
			{"ap.captured", func(r *wire.Report) { r.AP.Captured = math.MaxUint64 }},
			{"ap.capture_drops", func(r *wire.Report) { r.AP.CaptureDrops = math.MaxUint64 }},
			{"ap.clients_now", func(r *wire.Report) { r.AP.ClientsNow = math.MaxInt64 }},
			{"ap.clients_now", func(r *wire.Report) { r.AP.ClientsNow = telemetry.MaxClientsNow + 1 }},
			{"ap.clients_interval", func(r *wire.Report) { r.AP.ClientsInterval = math.MaxInt64 }},
			{"clients[1].bytes_up", func(r *wire.Report) { r.Clients[1].BytesUp = math.MaxUint64 }},
			{"clients[0].bytes_down", func(r *wire.Report) { r.Clients[0].BytesDown = math.MaxUint64 }},
			{"clients[2].packets_up", func(r *wire.Report) { r.Clients[2].PacketsUp = math.MaxUint64 }},
			{"clients[0].packets_down", func(r *wire.Report) { r.Clients[0].PacketsDown = math.MaxUint64 }},
		} {
			r := report(5, now, 3)
			c.edit(r)
			code, body := f.send(t, f.tokA, r)
			var p struct{ Error, Field, Message string }
			if err := json.Unmarshal([]byte(body), &p); err != nil || code != 422 || p.Field != c.field ||
				!strings.Contains(p.Message, "more than") {
				t.Fatalf("%s: %d %s, want 422 naming the field", c.field, code, body)
			}
			_, err := telemetry.DecodeReport(strings.NewReader(string(r.AppendJSON(nil))), "")
			var fe *input.FieldError
			if !errors.Is(err, telemetry.ErrImplausible) || !errors.As(err, &fe) || fe.Field != c.field {
				t.Fatalf("%s: DecodeReport: %v", c.field, err)
			}
		}
		if st, _ := f.svc.APStatus(f.apA.ID); st.Reports != 0 {
			t.Fatalf("%d implausible reports stored", st.Reports)
		}

		r := report(5, now, 3)
		r.AP.BytesUp, r.AP.ClientsNow, r.Clients[0].BytesDown = lineMinute, telemetry.MaxClientsNow, lineMinute
		if code, body := f.send(t, f.tokA, r); code != 200 {
			t.Fatalf("a report at the bounds: %d %s", code, body)
		}
	})
}

// TestTotalsSaturate: the AP's totals and its series add reports up; a
// sum past 2^64-1 stops there rather than wrap to a small number. Ingest
// is given reports DecodeReport would refuse, as only summing many
// plausible ones could otherwise get there.
func TestTotalsSaturate(t *testing.T) {
	bothModes(t, func(t *testing.T, f *fixture) {
		now := f.clock.Now()
		for seq := uint64(1); seq <= 2; seq++ {
			r := report(seq, now, 1)
			r.AP.BytesUp, r.AP.BytesDown = math.MaxUint64, math.MaxUint64-1
			r.AP.PacketsUp, r.AP.PacketsDown = math.MaxUint64, 1<<63
			if _, err := f.svc.Ingest(context.Background(), f.apA, r); err != nil {
				t.Fatal(err)
			}
		}
		st, err := f.svc.APStatus(f.apA.ID)
		if err != nil {
			t.Fatal(err)
		}
		if st.Reports != 2 || st.TotalBytesUp != math.MaxUint64 || st.TotalBytesDown != math.MaxUint64 {
			t.Fatalf("%d reports, total up %d, down %d; want 2, both %d", st.Reports, st.TotalBytesUp, st.TotalBytesDown, uint64(math.MaxUint64))
		}
		ap, err := f.svc.APSeries(f.apA.ID, now.Add(-time.Hour), now.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		venue, err := f.svc.VenueSeries("orga/V1", now.Add(-time.Hour), now.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		for name, bs := range map[string][]telemetry.Bucket{"AP": ap, "venue": venue} {
			if len(bs) != 1 {
				t.Fatalf("%s series: %d buckets", name, len(bs))
			}
			b := bs[0]
			if b.Reports != 2 || b.BytesUp != math.MaxUint64 || b.BytesDown != math.MaxUint64 ||
				b.PacketsUp != math.MaxUint64 || b.PacketsDown != math.MaxUint64 {
				t.Fatalf("%s bucket: %+v, want every sum at %d", name, b, uint64(math.MaxUint64))
			}
		}
	})
}
