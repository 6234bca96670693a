package usage_test

import (
	"testing"
	"time"

	"github.com/wifihk/wifihk/internal/store"
	"github.com/wifihk/wifihk/internal/storetest"
	"github.com/wifihk/wifihk/usage"
)

// Figures stored in the older layouts (hours scope first, a record per
// venue-day) move on the next flush and then read as before; new
// figures add to them.
func TestOlderLayoutsMoveOnFlush(t *testing.T) {
	db := storetest.Open(t)
	h := time.Date(2026, 11, 2, 3, 0, 0, 0, time.UTC) // 11:00 in Hong Kong
	old := map[string]string{
		"h/c:\x002026-11-02T03":         "[2,1,100,1000,600,1,0,0,0]",
		"h/v:org1/V1\x002026-11-02T03":  "[2,1,100,1000,600,1,3,30,12]",
		"dv/2026-11-02\x00org1/V1":      "[2,0,100,1000,600,1,3,30,12]",
		"dv/2026-11-02\x00org1/V2":      "[1,0,5,50,60,1,0,0,0]",
		"h/d:Wan Chai\x002026-11-02T04": `{"sessions":4,"devices":0,"bytes_up":0,"bytes_down":0,"seconds":0,"peak":0}`,
	}
	err := db.Update(func(tx *store.Tx) error {
		for k, v := range old {
			if err := tx.PutRaw(store.Usage, k, []byte(v)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	pl := places{"org1/V1": {District: "Wan Chai", VenueType: "Library", Org: "org1"}}
	a := usage.NewAggregator(pl, []byte("k"))
	a.APReport("org1/V1", h.Add(10*time.Minute), 4)
	if _, err := usage.Flush(db, a, h.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	read := func(s usage.Scope, at time.Time) usage.Cell {
		var got []usage.Hour
		err := db.View(func(tx *store.Tx) error {
			return usage.Read(tx, s, at, at.Add(time.Hour), func(h usage.Hour) error { got = append(got, h); return nil })
		})
		if err != nil || len(got) != 1 {
			t.Fatalf("%s at %s: %+v, %v", s, at, got, err)
		}
		return got[0].Cell
	}
	if c := read(usage.City, h); c != (usage.Cell{Sessions: 2, Devices: 1, BytesUp: 100, BytesDown: 1000, Seconds: 600, Peak: 1, APReports: 1, ClientsSum: 4, ClientsMax: 4}) {
		t.Errorf("the city's hour: %+v", c)
	}
	if c := read(usage.VenueScope("org1/V1"), h); c != (usage.Cell{Sessions: 2, Devices: 1, BytesUp: 100, BytesDown: 1000, Seconds: 600, Peak: 1, APReports: 4, ClientsSum: 34, ClientsMax: 12}) {
		t.Errorf("the venue's hour: %+v", c)
	}
	if c := read(usage.DistrictScope("Wan Chai"), h.Add(time.Hour)); c.Sessions != 4 {
		t.Errorf("an hour stored as an object: %+v", c)
	}
	var days map[string]*usage.Cell
	err = db.View(func(tx *store.Tx) (err error) {
		days, err = usage.VenueDays(tx, "org1", h, h)
		for k := range old {
			if tx.Has(store.Usage, k) {
				t.Errorf("%q is still stored", k)
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if c := days["org1/V1"]; c == nil || *c != (usage.Cell{Sessions: 2, BytesUp: 100, BytesDown: 1000, Seconds: 600, Peak: 1, APReports: 4, ClientsSum: 34, ClientsMax: 12}) {
		t.Errorf("org1/V1's day: %+v", c)
	}
	if c := days["org1/V2"]; c == nil || c.Sessions != 1 || c.BytesDown != 50 {
		t.Errorf("org1/V2's day: %+v", c)
	}
}
