package cli

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/wifihk/wifihk/accounting"
	"github.com/wifihk/wifihk/controller"
	"github.com/wifihk/wifihk/internal/store"
	"github.com/wifihk/wifihk/usage"
)

// usage rebuild recomputes the figures from the accounting records of a
// stopped data dir.
func TestUsageRebuild(t *testing.T) {
	dir := t.TempDir()
	_, db, err := controller.OpenDataDir(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	acct := accounting.New(db)
	start := time.Now().UTC().Truncate(time.Hour).Add(-3 * time.Hour)
	for i, mac := range []string{"02-00-00-00-00-01", "02-00-00-00-00-02", "02-00-00-00-00-01"} {
		at := start.Add(time.Duration(i) * time.Minute)
		id := string(rune('a' + i))
		for _, u := range []accounting.Update{
			{NAS: "gw", AcctID: id, Status: accounting.Start, MAC: mac, Venue: "org/LOC", At: at},
			{NAS: "gw", AcctID: id, Status: accounting.Stop, MAC: mac, Venue: "org/LOC", At: at.Add(90 * time.Minute),
				SessionTime: 5400, InputOctets: 100, OutputOctets: 900},
		} {
			if _, err := acct.Apply(u); err != nil {
				t.Fatal(err)
			}
		}
	}
	acct.Close()
	db.Close()

	code, out, errOut := run(t, "usage", "rebuild", "-data", dir, "-json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var res struct{ Sessions, Cells int }
	if err := json.Unmarshal([]byte(out), &res); err != nil || res.Sessions != 3 || res.Cells == 0 {
		t.Fatalf("result %s (%v)", out, err)
	}
	_, db, err = controller.OpenDataDir(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var total usage.Cell
	err = db.View(func(tx *store.Tx) error {
		return usage.Read(tx, usage.City, start, start.Add(3*time.Hour), func(h usage.Hour) error {
			total.Sessions += h.Sessions
			total.BytesUp += h.BytesUp
			total.BytesDown += h.BytesDown
			total.Seconds += h.Seconds
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := (usage.Cell{Sessions: 3, BytesUp: 300, BytesDown: 2700, Seconds: 3 * 5400}); total != want {
		t.Errorf("city: %+v, want %+v", total, want)
	}
}
