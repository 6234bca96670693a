package telemetry_test

import (
	"bytes"
	"testing"

	"github.com/wifihk/wifihk/telemetry"
)

// TestServiceReusesGzipReaders: the service's decoder keeps its gzip
// readers between reports (on the service, not in a package variable), so
// it allocates less per report than the package function, and two
// services decode independently.
func TestServiceReusesGzipReaders(t *testing.T) {
	f := newFixture(t)
	other := newFixture(t)
	body := gz(t, report(1, f.clock.Now(), 25).AppendJSON(nil))
	decode := func(dec func() error) float64 {
		return testing.AllocsPerRun(50, func() {
			if err := dec(); err != nil {
				t.Fatal(err)
			}
		})
	}
	pooled := decode(func() error {
		r, err := f.svc.DecodeReport(bytes.NewReader(body), "gzip")
		if err == nil && len(r.Clients) != 25 {
			t.Fatalf("decoded %d clients, want 25", len(r.Clients))
		}
		_, err2 := other.svc.DecodeReport(bytes.NewReader(body), "gzip")
		if err == nil {
			err = err2
		}
		return err
	}) / 2
	fresh := decode(func() error {
		_, err := telemetry.DecodeReport(bytes.NewReader(body), "gzip")
		return err
	})
	// A new gzip reader is a handful of allocations (the reader, its
	// decompressor and dictionary); reuse saves them.
	t.Logf("pooled %.1f fresh %.1f", pooled, fresh)
	if pooled > fresh-3 {
		t.Fatalf("service decoder: %.1f allocations per report, package decoder %.1f; want the service to reuse its gzip readers", pooled, fresh)
	}
}
