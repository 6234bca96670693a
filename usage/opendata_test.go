package usage_test

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/wifihk/wifihk/accounting"
	"github.com/wifihk/wifihk/internal/store"
	"github.com/wifihk/wifihk/internal/storetest"
	"github.com/wifihk/wifihk/usage"
)

// records turns synthetic sessions into closed accounting records.
func records(ss []synthSession) []accounting.Session {
	out := make([]accounting.Session, len(ss))
	for i, s := range ss {
		out[i] = accounting.Session{ID: s.nas + "/" + s.acct, NAS: s.nas, AcctID: s.acct, MAC: s.mac, Venue: s.venue,
			Started: s.start, Stopped: s.stop, InputOctets: s.up, OutputOctets: s.down,
			SessionTime: uint32(s.stop.Sub(s.start) / time.Second)}
	}
	return out
}

// busyDay is a Hong Kong day busy enough that some rows reach k and
// some do not.
var busyDay = time.Date(2026, 12, 3, 0, 0, 0, 0, usage.HongKong)

func busyStore(t *testing.T) (*store.DB, truth) {
	t.Helper()
	rng := rand.New(rand.NewPCG(7, 8))
	pl, ss := synth(rng, busyDay, 24*time.Hour, 1000, 400)
	db := storetest.Open(t)
	a := usage.NewAggregator(pl, []byte("k"))
	a.Replay(records(ss))
	if _, err := usage.Flush(db, a, busyDay.Add(48*time.Hour)); err != nil {
		t.Fatal(err)
	}
	return db, computeTruth(pl, ss)
}

func buildDay(t *testing.T, db *store.DB, p usage.Privacy, seed uint64) usage.Day {
	t.Helper()
	var day usage.Day
	err := db.View(func(tx *store.Tx) error {
		var err error
		day, err = usage.BuildDay(tx, busyDay, p, usage.NewNoise(rand.New(rand.NewPCG(seed, 1))), busyDay.Add(30*time.Hour))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return day
}

// rowID is a row's cell in the truth.
func rowID(r usage.Row) string {
	h, _ := time.Parse("2006-01-02T15:04-07:00", r.Hour)
	return cellID(usage.CrossScope(r.District, r.VenueType), h)
}

// TestOpenDataSuppression: no published row describes fewer than k
// devices (by the exact count), every row under k is suppressed, the
// totals are the published rows' sums, and a suppressed row's true
// figures change nothing that is published.
func TestOpenDataSuppression(t *testing.T) {
	db, tr := busyStore(t)
	p := usage.Privacy{K: 10, Epsilon: 1, CellsPerDay: 4}
	day := buildDay(t, db, p, 42)
	published, suppressed := 0, 0
	var sum usage.Totals
	for _, r := range day.Rows {
		n := int64(len(tr.devices[rowID(r)]))
		if r.Suppressed {
			suppressed++
			if r.Sessions != nil || r.Devices != nil || r.DataMB != nil || r.Minutes != nil {
				t.Errorf("%s: suppressed row with figures", rowID(r))
			}
			if n >= p.K {
				t.Errorf("%s: %d devices, suppressed under k=%d", rowID(r), n, p.K)
			}
			continue
		}
		published++
		if n < p.K {
			t.Errorf("%s: published with %d devices, under k=%d", rowID(r), n, p.K)
		}
		sum.Sessions += *r.Sessions
		sum.DeviceHours += *r.Devices
		sum.DataMB += *r.DataMB
		sum.Minutes += *r.Minutes
	}
	if published < 20 || suppressed < 10 {
		t.Fatalf("%d published, %d suppressed rows: the day does not test both", published, suppressed)
	}
	sum.Rows, sum.Suppressed = len(day.Rows), suppressed
	if day.Totals != sum {
		t.Errorf("totals %+v, want the published rows' sums %+v", day.Totals, sum)
	}

	// Change every suppressed row's stored figures (below k still): the
	// day published with the same noise is byte for byte the same.
	err := db.Update(func(tx *store.Tx) error {
		for _, r := range day.Rows {
			if !r.Suppressed {
				continue
			}
			h, _ := time.Parse("2006-01-02T15:04-07:00", r.Hour)
			sc := usage.CrossScope(r.District, r.VenueType)
			var cells []usage.Hour
			if err := usage.Read(tx, sc, h, h.Add(time.Hour), func(got usage.Hour) error {
				cells = append(cells, got)
				return nil
			}); err != nil {
				return err
			}
			for _, got := range cells {
				got.Sessions += 1000
				got.BytesUp += 5e9
				got.Seconds += 3600 * 7
				got.Devices = p.K - 1
				if err := usage.PutCellForTest(tx, sc, got); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	again := buildDay(t, db, p, 42)
	a, _ := json.Marshal(day)
	b, _ := json.Marshal(again)
	if !bytes.Equal(a, b) {
		t.Error("changing suppressed rows changed the published day")
	}
}

// TestPublishedDayValidates: the JSON the API serves validates against
// the published schema, and CSV has one line per row.
func TestPublishedDayValidates(t *testing.T) {
	db, _ := busyStore(t)
	noise := usage.NewNoise(rand.New(rand.NewPCG(1, 1)))
	day, made, err := usage.Publish(db, busyDay, usage.Privacy{}, noise, busyDay.Add(30*time.Hour))
	if err != nil || !made {
		t.Fatalf("publish: %v %v", made, err)
	}
	again, made, err := usage.Publish(db, busyDay, usage.Privacy{}, noise, busyDay.Add(40*time.Hour))
	if err != nil || made || !reflect.DeepEqual(mustJSON(t, again), mustJSON(t, day)) {
		t.Fatalf("a second publish changed the day (made %v, err %v)", made, err)
	}
	days, err := usage.Published(db, busyDay.AddDate(0, 0, -3), busyDay.AddDate(0, 0, 3))
	if err != nil || len(days) != 1 {
		t.Fatalf("published: %d days, %v", len(days), err)
	}
	sch := compileSchema(t)
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(mustJSON(t, map[string]any{"days": days})))
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(doc); err != nil {
		t.Fatalf("published day does not validate: %v", err)
	}
	// The schema does reject a suppressed row with figures.
	bad := days[0]
	bad.Rows = append([]usage.Row(nil), bad.Rows...)
	for i := range bad.Rows {
		if bad.Rows[i].Suppressed {
			v := int64(3)
			bad.Rows[i].Devices = &v
			break
		}
	}
	doc, _ = jsonschema.UnmarshalJSON(bytes.NewReader(mustJSON(t, map[string]any{"days": []usage.Day{bad}})))
	if err := sch.Validate(doc); err == nil {
		t.Error("the schema accepts a suppressed row with a figure")
	}
	var csvOut bytes.Buffer
	if err := usage.WriteCSV(&csvOut, days); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(csvOut.String()), "\n")
	if len(lines) != len(day.Rows)+1 || lines[0] != strings.Join(usage.CSVHeader, ",") {
		t.Errorf("CSV: %d lines for %d rows; header %q", len(lines), len(day.Rows), lines[0])
	}
}

func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(usage.Schema))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("schema.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return sch
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestNoiseDistribution draws many times (seeded) and checks the mean
// (0) and the variance (2α/(1-α)²) against the mechanism's.
func TestNoiseDistribution(t *testing.T) {
	for _, c := range []struct {
		name      string
		eps, sens float64
	}{
		{"devices at the default budget", 1.0 / 16, 1},
		{"sessions", 1.0 / 16, 4},
		{"data MB", 1.0 / 16, 200},
		{"a large budget", 2, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			n := usage.NewNoise(rand.New(rand.NewPCG(3, 4)))
			const draws = 200_000
			var sum, sq float64
			for range draws {
				x := float64(n.Geometric(c.eps, c.sens))
				sum += x
				sq += x * x
			}
			mean := sum / draws
			variance := sq/draws - mean*mean
			want := usage.GeometricVariance(c.eps, c.sens)
			if se := math.Sqrt(want / draws); math.Abs(mean) > 5*se {
				t.Errorf("mean %.3f, want 0 within %.3f", mean, 5*se)
			}
			if math.Abs(variance/want-1) > 0.05 {
				t.Errorf("variance %.1f, want %.1f within 5%%", variance, want)
			}
			// Laplace scale b = Δ/ε: E|X| ≈ b for large b.
			t.Logf("scale Δ/ε = %.1f, standard deviation %.1f", c.sens/c.eps, math.Sqrt(variance))
		})
	}
}
