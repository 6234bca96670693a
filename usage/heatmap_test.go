package usage_test

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/wifihk/wifihk/internal/store"
	"github.com/wifihk/wifihk/internal/storetest"
	"github.com/wifihk/wifihk/usage"
)

// The heatmap of the synthetic week sums each district's hours into its
// hours of the day.
func TestHeatmapSumsHoursOfDay(t *testing.T) {
	db, tr := busyStore(t)
	var hm map[usage.Scope]*usage.Day24
	err := db.View(func(tx *store.Tx) (err error) {
		hm, err = usage.Heatmap(tx, "d", busyDay, busyDay.AddDate(0, 0, 2))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(hm) != 3 {
		t.Fatalf("%d districts, want 3", len(hm))
	}
	for sc, d := range hm {
		var want usage.Day24
		for h := busyDay; h.Before(busyDay.AddDate(0, 0, 2)); h = h.Add(time.Hour) {
			if c := tr.cells[cellID(sc, h)]; c != nil {
				w := &want[h.In(usage.HongKong).Hour()]
				w.Sessions += c.Sessions
				w.BytesUp += c.BytesUp
				w.Seconds += c.Seconds
			}
		}
		for h := range 24 {
			if d[h].Sessions != want[h].Sessions || d[h].BytesUp != want[h].BytesUp || d[h].Seconds != want[h].Seconds {
				t.Errorf("%s %02d:00: %+v, want %+v", sc, h, d[h], want[h])
			}
		}
	}
}

// TestHeatmapYearCity (WIFIHK_USAGE_PERF=1): a store with a year of hourly
// cells of the roll-ups (18 districts, 20 venue types, the city) and a day
// of 50,000 venues' cells; the city heatmap by district for a month must
// answer within 100 ms.
func TestHeatmapYearCity(t *testing.T) {
	if os.Getenv("WIFIHK_USAGE_PERF") != "1" {
		t.Skip("set WIFIHK_USAGE_PERF=1 to build a year of cells and time the heatmap")
	}
	db := storetest.Open(t)
	start := time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC)
	var scopes []usage.Scope
	for i := range 18 {
		scopes = append(scopes, usage.DistrictScope(fmt.Sprintf("D%02d", i)))
	}
	for i := range 20 {
		scopes = append(scopes, usage.TypeScope(fmt.Sprintf("T%02d", i)))
	}
	scopes = append(scopes, usage.City)
	t0 := time.Now()
	cell := usage.Hour{Cell: usage.Cell{Sessions: 1200, Devices: 900, BytesUp: 4e9, BytesDown: 4e10, Seconds: 2e6, Peak: 300}}
	put := func(keys []usage.Scope, hours []time.Time) {
		err := db.Update(func(tx *store.Tx) error {
			for _, sc := range keys {
				for _, h := range hours {
					cell.Hour = h
					if err := usage.PutCellForTest(tx, sc, cell); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for d := range 366 {
		var hours []time.Time
		for h := range 24 {
			hours = append(hours, start.AddDate(0, 0, d).Add(time.Duration(h)*time.Hour))
		}
		put(scopes, hours)
	}
	dayHours := []time.Time{}
	for h := range 24 {
		dayHours = append(dayHours, start.AddDate(0, 6, 0).Add(time.Duration(h)*time.Hour))
	}
	for v := 0; v < 50_000; v += 1000 {
		var vs []usage.Scope
		for i := v; i < v+1000; i++ {
			vs = append(vs, usage.VenueScope(fmt.Sprintf("org%d/V%05d", i%120, i)))
		}
		put(vs, dayHours)
	}
	t.Logf("built %d roll-up cells and %d venue cells in %v", len(scopes)*366*24, 50_000*24, time.Since(t0).Round(time.Second))
	from := start.AddDate(0, 10, 0)
	to := from.AddDate(0, 1, 0)
	var best time.Duration
	for i := range 5 {
		t1 := time.Now()
		var hm map[usage.Scope]*usage.Day24
		err := db.View(func(tx *store.Tx) (err error) {
			hm, err = usage.Heatmap(tx, "d", from, to)
			return err
		})
		el := time.Since(t1)
		if err != nil || len(hm) != 18 {
			t.Fatalf("heatmap: %d districts, %v", len(hm), err)
		}
		if i == 0 || el < best {
			best = el
		}
		t.Logf("city heatmap by district for a month (18 × %d cells): %v", int(to.Sub(from).Hours()), el)
	}
	if best > 100*time.Millisecond {
		t.Errorf("best of 5: %v, over 100 ms", best)
	}
}
