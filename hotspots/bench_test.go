package hotspots

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/wifihk/wifihk/hotspots/realvenues"
	"github.com/wifihk/wifihk/internal/secrets"
	"github.com/wifihk/wifihk/internal/store"
	"github.com/wifihk/wifihk/internal/storetest"
)

// Benchmarks for docs/PERFORMANCE.md (registry section):
//
//	go test -run '^$' -bench . -benchtime 1x ./hotspots/   (import: -benchtime 5x)

func benchRegistry(b *testing.B) *Registry {
	b.Helper()
	sealer, _ := secrets.New(bytes.Repeat([]byte{3}, 32))
	r, err := New(storetest.Open(b), sealer)
	if err != nil {
		b.Fatal(err)
	}
	return r
}

// BenchmarkImportRealCSV imports the 5,430-row real export into an empty
// registry (fsync on, as in production).
func BenchmarkImportRealCSV(b *testing.B) {
	data := realvenues.CSV()
	for b.Loop() {
		b.StopTimer()
		r := benchRegistry(b)
		b.StartTimer()
		res, err := r.Import(context.Background(), data, ImportOptions{})
		if err != nil || res.Created != 5430 {
			b.Fatalf("%+v %v", res, err)
		}
	}
}

// syntheticVenues writes n venues spread like the real ones: each is a real
// venue's position moved up to ~300 m.
func syntheticVenues(b *testing.B, r *Registry, n int) {
	b.Helper()
	rng := rand.New(rand.NewPCG(7, 7))
	var seeds [][2]float64
	var res ImportResult
	rows, _ := parseCSV(realvenues.CSV(), &res)
	for _, rw := range rows {
		if ir, err := venueFromRow(rw); err == nil {
			seeds = append(seeds, [2]float64{ir.venue.Latitude, ir.venue.Longitude})
		}
	}
	types := []string{"Library", "Park", "Mall", "School", "Telephone Booths", "Government Buildings & Offices"}
	now := time.Now().UTC()
	err := r.db.Update(func(tx *store.Tx) error {
		for o := 0; o < 200; o++ {
			if err := tx.Put(store.Orgs, fmt.Sprintf("org%03d", o), Org{Code: fmt.Sprintf("org%03d", o)}); err != nil {
				return err
			}
		}
		for i := 0; i < n; i++ {
			s := seeds[rng.IntN(len(seeds))]
			v := Venue{Org: fmt.Sprintf("org%03d", i%200), LocationID: fmt.Sprintf("L%06d", i), NameEN: "Venue",
				TypeEN: types[i%len(types)], Latitude: s[0] + (rng.Float64()-0.5)*0.006,
				Longitude: s[1] + (rng.Float64()-0.5)*0.006, Hotspots: 1 + i%9, Created: now, Updated: now}
			if err := v.normalize(); err != nil {
				return err
			}
			if err := tx.Put(store.Venues, v.Key().String(), v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	r.view.invalidateVenues()
}

// BenchmarkNearest50k reports the latency of nearest-5 queries over 50,000
// synthetic venues, with its 50th and 99th percentiles.
func BenchmarkNearest50k(b *testing.B) {
	r := benchRegistry(b)
	syntheticVenues(b, r, 50000)
	start := time.Now()
	if _, err := r.venues(); err != nil {
		b.Fatal(err)
	}
	b.Logf("snapshot and k-d tree of 50,000 venues built in %v", time.Since(start))
	rng := rand.New(rand.NewPCG(1, 1))
	lat := make([]float64, 4096)
	lon := make([]float64, 4096)
	for i := range lat {
		lat[i], lon[i] = 22.18+rng.Float64()*0.36, 113.88+rng.Float64()*0.45
	}
	var durs []time.Duration
	i := 0
	for b.Loop() {
		t0 := time.Now()
		if _, err := r.Nearest(lat[i%4096], lon[i%4096], 5, VenueFilter{}); err != nil {
			b.Fatal(err)
		}
		durs = append(durs, time.Since(t0))
		i++
	}
	reportPercentiles(b, durs)
}

func reportPercentiles(b *testing.B, durs []time.Duration) {
	slices.Sort(durs)
	pct := func(p float64) float64 { return float64(durs[int(float64(len(durs)-1)*p)].Microseconds()) }
	b.ReportMetric(pct(0.50), "p50-µs")
	b.ReportMetric(pct(0.99), "p99-µs")
}

// BenchmarkCoverage50k200k aggregates coverage over 50,000 venues and
// 200,000 APs, with live sources reporting every AP online and usage on
// 2,000 NAS.
func BenchmarkCoverage50k200k(b *testing.B) {
	r := benchRegistry(b)
	syntheticVenues(b, r, 50000)
	snap, _ := r.venues()
	ids := make([]string, 0, 200000)
	err := r.db.Update(func(tx *store.Tx) error {
		for i := 0; i < 200000; i++ {
			v := snap.list[i%len(snap.list)]
			ap := AP{ID: fmt.Sprintf("ap-%d", i+1), Hotspot: v.Key(), Name: "ap",
				MAC: fmt.Sprintf("02:00:%02x:%02x:%02x:%02x", byte(i>>24), byte(i>>16), byte(i>>8), byte(i))}
			ids = append(ids, ap.ID)
			if err := tx.Put(store.APs, ap.ID, ap); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	r.view.invalidateAPs()
	usage := benchUsage{}
	err = r.db.Update(func(tx *store.Tx) error { // 2,000 NAS, written directly: AddNAS checks overlaps one by one
		for i := 0; i < 2000; i++ {
			n := NAS{ID: fmt.Sprintf("gw%d", i), Name: fmt.Sprintf("gw%d", i), Hotspot: snap.list[i*7].Key(),
				Prefix: netip.MustParsePrefix(fmt.Sprintf("10.%d.%d.1/32", i/250, i%250)), SecretSealed: r.sealer.Seal("secret123")}
			usage[n.ID] = NASUsage{OpenSessions: 3, DevicesToday: 20, BytesToday: 1 << 30}
			if err := tx.Put(store.NAS, n.ID, n); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		err = r.reloadNAS()
	}
	if err != nil {
		b.Fatal(err)
	}
	src := CoverageSources{APStatus: benchAPs(ids), Usage: usage}
	start := time.Now()
	if _, err := r.Coverage(context.Background(), "", 100, src); err != nil {
		b.Fatal(err)
	}
	b.Logf("first coverage (AP snapshot of 200,000 built from the store) took %v", time.Since(start))
	var durs []time.Duration
	for b.Loop() {
		t0 := time.Now()
		cov, err := r.Coverage(context.Background(), "", 100, src)
		if err != nil || cov.Total.APs != 200000 || cov.Total.APsOnline.N != 200000 {
			b.Fatalf("%+v %v", cov.Total, err)
		}
		durs = append(durs, time.Since(t0))
	}
	reportPercentiles(b, durs)
}

type benchAPs []string

func (a benchAPs) OnlineAPs(context.Context) ([]string, error) { return a, nil }

type benchUsage map[string]NASUsage

func (u benchUsage) UsageByNAS(context.Context, time.Time) (map[string]NASUsage, error) {
	return u, nil
}
