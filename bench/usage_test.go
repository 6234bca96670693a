package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
)

// wifihk-bench usage builds the synthetic city it says and times every
// query over it: a month's district heatmap has every district's hours,
// the 28-day ranking every venue.
func TestUsageBench(t *testing.T) {
	var out, errs bytes.Buffer
	args := []string{"usage", "-venues", "40", "-days", "31", "-runs", "2", "-json", "-data", t.TempDir() + "/data"}
	if code := Run(context.Background(), args, &out, &errs); code != 0 {
		t.Fatalf("exit %d: %s", code, errs.String())
	}
	var res usageResult
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	// 199 roll-up scopes (18 districts, 20 types, 40 organisations, 40
	// district × type, 40 organisation × district, 40 organisation ×
	// type, the city) every hour; each venue one hour a day; each of the
	// 40 organisations a record a day (31), a week (from 31 October, a
	// Saturday: 6) and a month (2).
	if want := 199*31*24 + 40*31 + 40*(31+6+2); res.Records != want {
		t.Errorf("%d records, want %d", res.Records, want)
	}
	if res.MonthCells != 18*30*24 || res.RankedCount != 40 {
		t.Errorf("month heatmap %d cells (want 18 × 720), ranked %d venues (want 40)", res.MonthCells, res.RankedCount)
	}
	if len(res.Queries) != 8 || res.FileBytes == 0 || res.LoadBefore == "" {
		t.Errorf("result: %+v", res)
	}
	for q, ms := range res.Queries {
		if len(ms) != 2 || len(res.QueriesCPU[q]) != 2 {
			t.Errorf("%s: %v runs", q, ms)
		}
	}
	if code := Run(context.Background(), []string{"usage", "-days", "7"}, &out, &errs); code == 0 {
		t.Error("-days 7 accepted: a month's heatmap needs 31")
	}
}
