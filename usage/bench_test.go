package usage_test

import (
	"fmt"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/wifihk/wifihk/accounting"
	"github.com/wifihk/wifihk/internal/store"
	"github.com/wifihk/wifihk/internal/storetest"
	"github.com/wifihk/wifihk/usage"
)

// cityPlaces places 50,000 venues in 18 districts and 20 venue types.
func cityPlaces() places {
	pl := places{}
	for i := range 50_000 {
		pl[venueName(i)] = usage.Place{District: fmt.Sprintf("D%02d", i%18), VenueType: fmt.Sprintf("T%02d", i%20), Org: fmt.Sprintf("O%03d", i%120)}
	}
	return pl
}

func venueName(i int) string { return fmt.Sprintf("org%d/V%05d", i%120, i) }

// cityChanges is the first n changes of change's stream.
func cityChanges(n int, start time.Time) []accounting.Change {
	out := make([]accounting.Change, n)
	for i := range out {
		out[i] = change(i, start)
	}
	return out
}

// BenchmarkAggregatorSessions is the aggregator's cost per change, as the
// committer pays it (one change per call, the worst case: groups are
// larger under load).
func BenchmarkAggregatorSessions(b *testing.B) {
	a := usage.NewAggregator(cityPlaces(), []byte("k"))
	cs := cityChanges(200_000, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		a.Sessions(cs[i%len(cs) : i%len(cs)+1])
	}
}

// cpu is this process's user plus system CPU time.
func cpu() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkAccountingObserved records accounting through the journal
// (Start, some Interims, Stop per session, 512 packets per ApplyAll) with
// and without the aggregator observing; cpu-ns/record is the whole
// process's CPU per packet, so the two give the aggregator's extra share.
// interims=2 is a pessimistic mix (half the packets open or close a
// session); interims=6 is 30-minute sessions with 5-minute interims.
func BenchmarkAccountingObserved(b *testing.B) {
	pl := cityPlaces()
	for _, c := range []struct {
		interims int
		observed bool
	}{{2, false}, {2, true}, {6, false}, {6, true}} {
		per := c.interims + 2
		b.Run(fmt.Sprintf("interims=%d/observed=%v", c.interims, c.observed), func(b *testing.B) {
			st, err := accounting.Open(storetest.Open(b), filepath.Join(b.TempDir(), "acct.journal"), nil)
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			if c.observed {
				a := usage.NewAggregator(pl, []byte("k"))
				st.Observe(a.Sessions)
			}
			start := time.Now().Add(-time.Hour)
			us := make([]accounting.Update, 0, 512)
			b.ResetTimer()
			c0 := cpu()
			for i := 0; i < b.N; {
				us = us[:0]
				for ; len(us) < 512; i++ {
					sess, step := i/per, i%per
					u := accounting.Update{NAS: "nas", AcctID: fmt.Sprint(sess), Username: "u", MAC: fmt.Sprintf("02-00-00-%06X", sess%2_000_000),
						Venue: venueName(sess * 7919 % 50_000), At: start.Add(time.Duration(i) * time.Millisecond),
						InputOctets: uint64(step) * 1000, OutputOctets: uint64(step) * 9000, SessionTime: uint32(step * 60)}
					switch step {
					case 0:
						u.Status = accounting.Start
					case per - 1:
						u.Status = accounting.Stop
					default:
						u.Status = accounting.Interim
					}
					us = append(us, u)
				}
				_, errs := st.ApplyAll(us)
				for _, err := range errs {
					if err != nil {
						b.Fatal(err)
					}
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(cpu()-c0)/float64(b.N), "cpu-ns/record")
		})
	}
}

// venueNames are venueName(i) for the 50,000 venues, made once so that
// making a change costs little beside the aggregator's work on it (the
// benchmarks count the whole process's CPU).
var venueNames = func() []string {
	out := make([]string, 50_000)
	for i := range out {
		out[i] = venueName(i)
	}
	return out
}()

// change is the i-th change of a stream at 50,000 venues: even i opens
// session i/2, odd i closes it 20-80 minutes later.
func change(i int, start time.Time) accounting.Change {
	n := i / 2
	s := accounting.Session{NAS: "nas", AcctID: strconv.Itoa(n), Venue: venueNames[n*7919%50_000],
		MAC: testMAC(n * 31 % 2_000_000), Open: true, Started: start.Add(time.Duration(n) * 100 * time.Microsecond)}
	if i%2 == 0 {
		return accounting.Change{After: s}
	}
	closed := s
	closed.Open, closed.Stopped = false, s.Started.Add(time.Duration(20+n%60)*time.Minute)
	closed.InputOctets, closed.OutputOctets = uint64(n%1000)*1000, uint64(n%1000)*9000
	return accounting.Change{Before: &s, After: closed}
}

// testMAC is "02-00-00-" and n in six hex digits.
func testMAC(n int) string {
	const hex = "0123456789ABCDEF"
	b := []byte("02-00-00-000000")
	for i := len(b) - 1; n > 0 && i >= 9; i, n = i-1, n>>4 {
		b[i] = hex[n&15]
	}
	return string(b)
}

// BenchmarkFlush: each op takes an interval's changes at 20,000 accounting
// records/s, half of which open or close a session (the pessimistic mix),
// and flushes them into a store holding the earlier intervals' cells.
// cpu-s/minute is the process's CPU per minute of such traffic: the
// aggregator's and the flush's together.
func BenchmarkFlush(b *testing.B) {
	for _, every := range []time.Duration{time.Minute, 5 * time.Minute} {
		b.Run("every="+every.String(), func(b *testing.B) {
			db := storetest.Open(b)
			a := usage.NewAggregator(cityPlaces(), []byte("k"))
			start := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
			per := int(every/time.Second) * 20_000 / 2
			cs := make([]accounting.Change, 1)
			feed := func(k int) {
				for i := k * per; i < (k+1)*per; i++ {
					cs[0] = change(i, start)
					a.Sessions(cs)
				}
			}
			feed(0)
			if _, err := usage.Flush(db, a, start.Add(every)); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			c0 := cpu()
			cells := 0
			var flushCPU time.Duration
			for k := 1; k <= b.N; k++ {
				feed(k)
				f0 := cpu()
				n, err := usage.Flush(db, a, start.Add(time.Duration(k+1)*every))
				if err != nil {
					b.Fatal(err)
				}
				flushCPU += cpu() - f0
				cells += n
			}
			b.StopTimer()
			minutes := float64(b.N) * every.Minutes()
			b.ReportMetric((cpu()-c0).Seconds()/minutes, "cpu-s/minute")
			b.ReportMetric(flushCPU.Seconds()/minutes, "flush-cpu-s/minute")
			b.ReportMetric(float64(cells)/float64(b.N), "cells/flush")
		})
	}
}

// BenchmarkHeatmapMonth is the city heatmap by district for a month (18
// districts × 744 hours), over a store holding those cells only: the
// query's own cost, apart from the store's size (wifihk-bench usage
// measures it over a year of a city).
func BenchmarkHeatmapMonth(b *testing.B) {
	db := storetest.Open(b)
	from := time.Date(2026, 10, 31, 16, 0, 0, 0, time.UTC)
	to := from.AddDate(0, 1, 0)
	err := db.Update(func(tx *store.Tx) error {
		for d := range 18 {
			for h := from; h.Before(to); h = h.Add(time.Hour) {
				c := usage.Hour{Hour: h, Cell: usage.Cell{Sessions: 1200, Devices: 900, BytesUp: 4e9, BytesDown: 4e10, Seconds: 2e6, Peak: 300, APReports: 4000, ClientsSum: 32000, ClientsMax: 31}}
				if err := usage.PutHour(tx, usage.DistrictScope(fmt.Sprintf("D%02d", d)), c); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	c0 := cpu()
	for range b.N {
		err := db.View(func(tx *store.Tx) error {
			hm, err := usage.Heatmap(tx, "d", from, to)
			if len(hm) != 18 {
				b.Fatalf("%d districts", len(hm))
			}
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cpu()-c0)/float64(b.N)/1e6, "cpu-ms/op")
}

// BenchmarkVenueDaysCity ranks the city's 50,000 venues over 28 days
// from Tuesday 3 November 2026 (six days, three weeks and a day), read
// from venue days loaded as the bench tool loads them.
func BenchmarkVenueDaysCity(b *testing.B) {
	db := storetest.Open(b)
	first := time.Date(2026, 11, 3, 0, 0, 0, 0, usage.HongKong)
	for d := range 28 {
		cells := map[string]usage.Cell{}
		for i := range 50_000 {
			cells[venueName(i)] = usage.Cell{Sessions: int64(i%7 + 1), Devices: 3, BytesUp: 4e6, BytesDown: 4e7, Seconds: 1500, Peak: 2, APReports: 12, ClientsSum: 96, ClientsMax: 30}
		}
		if err := db.Update(func(tx *store.Tx) error { return usage.AddVenueDays(tx, first.AddDate(0, 0, d), cells) }); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		err := db.View(func(tx *store.Tx) error {
			v, err := usage.VenueDays(tx, "", first, first.AddDate(0, 0, 27))
			if err == nil && len(v) != 50_000 {
				err = fmt.Errorf("%d venues", len(v))
			}
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
