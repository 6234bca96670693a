package usage_test

import (
	"testing"
	"time"

	"github.com/wifihk/wifihk/internal/store"
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
