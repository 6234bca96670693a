package telemetry_test

import (
	"bytes"
	"math"
	"testing"
	"time"

	"github.com/wifihk/wifihk/agent/wire"
	"github.com/wifihk/wifihk/telemetry"
)

// FuzzDecodeReport: any body gets a report that validates or an error,
// never a panic.
func FuzzDecodeReport(f *testing.F) {
	good := report(1, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), 3).AppendJSON(nil)
	f.Add(good, false)
	f.Add(gz(f, good), true)
	f.Add([]byte(`{"v":1,"seq":1,"start":"2025-01-01T00:00:00Z","end":"2025-01-01T00:01:00Z","interval_s":60,"clients":[{"id":"zz"}]}`), false)
	f.Add([]byte(`{"v":1}{"v":1}`), false)
	f.Add([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff}, true)
	// Counters at their limits: refused as implausible, never summed.
	for _, edit := range []func(r *wire.Report){
		func(r *wire.Report) { r.AP.BytesUp, r.AP.BytesDown = math.MaxUint64, math.MaxUint64 },
		func(r *wire.Report) { r.AP.PacketsUp, r.AP.Captured = math.MaxUint64, math.MaxUint64 },
		func(r *wire.Report) { r.AP.ClientsNow, r.AP.ClientsInterval = math.MaxInt64, math.MaxInt64 },
		func(r *wire.Report) { r.Clients[0].BytesUp, r.Clients[1].PacketsDown = math.MaxUint64, math.MaxUint64 },
		func(r *wire.Report) {
			r.AP.BytesUp, r.AP.ClientsNow = 61*telemetry.MaxLineRate, telemetry.MaxClientsNow
		},
	} {
		r := report(1, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), 3)
		edit(r)
		f.Add(r.AppendJSON(nil), false)
	}
	f.Add([]byte(`{"v":1,"seq":1,"start":"2025-01-01T00:00:00Z","end":"2025-01-01T00:01:00Z","interval_s":60,"pseudonymised":true,"ap":{"clients_now":9223372036854775807,"bytes_up":18446744073709551615},"clients":[]}`), false)
	f.Fuzz(func(t *testing.T, body []byte, gzipped bool) {
		enc := ""
		if gzipped {
			enc = "gzip"
		}
		r, err := telemetry.DecodeReport(bytes.NewReader(body), enc)
		if err != nil {
			return
		}
		if err := r.Validate(); err != nil {
			t.Fatalf("decoder accepted an invalid report: %v", err)
		}
		if r.AP.ClientsNow > telemetry.MaxClientsNow || r.AP.BytesUp > uint64(2*wire.MaxIntervalS)*telemetry.MaxLineRate {
			t.Fatalf("decoder accepted an implausible report: %+v", r.AP)
		}
		// What was accepted survives the agent's encoder unchanged.
		again, err := telemetry.DecodeReport(bytes.NewReader(r.AppendJSON(nil)), "")
		if err != nil {
			t.Fatalf("re-encoded report does not decode: %v", err)
		}
		if len(again.Clients) != len(r.Clients) || again.Seq != r.Seq || again.AP != r.AP {
			t.Fatalf("round trip changed the report")
		}
	})
}

var _ = wire.Version
