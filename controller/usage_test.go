package controller_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"testing"
	"time"

	lr "layeh.com/radius"
	"layeh.com/radius/rfc2865"
	"layeh.com/radius/rfc2866"

	"github.com/wifihk/wifihk/controller"
	"github.com/wifihk/wifihk/internal/store"
	"github.com/wifihk/wifihk/usage"
)

// Accounting over real UDP reaches the usage figures of the demo NAS's
// venue and its district; the day, once published, is served as open
// data over HTTP with its row for that district and venue type.
func TestUsageFromRADIUSToOpenData(t *testing.T) {
	// The sessions must fall in one Hong Kong hour for the per-hour
	// device counts to reach n: not across the top of an hour.
	if left := time.Until(time.Now().Truncate(time.Hour).Add(time.Hour)); left < 20*time.Second {
		time.Sleep(left + time.Second)
	}
	a := startDemo(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	const n = 12
	for i := range n {
		for _, st := range []rfc2866.AcctStatusType{rfc2866.AcctStatusType_Value_Start, rfc2866.AcctStatusType_Value_Stop} {
			p := lr.New(lr.CodeAccountingRequest, []byte("testing123"))
			rfc2866.AcctStatusType_Set(p, st)
			rfc2866.AcctSessionID_SetString(p, fmt.Sprintf("u-%d", i))
			rfc2865.UserName_SetString(p, "demo")
			rfc2865.CallingStationID_SetString(p, fmt.Sprintf("02-00-00-00-00-%02X", i))
			if st == rfc2866.AcctStatusType_Value_Stop {
				rfc2866.AcctInputOctets_Set(p, 1000)
				rfc2866.AcctOutputOctets_Set(p, 5000)
			}
			if res, err := lr.Exchange(ctx, p, a.AcctAddr.String()); err != nil || res.Code != lr.CodeAccountingResponse {
				t.Fatalf("accounting: %v %v", res, err)
			}
		}
	}
	if err := a.FlushUsage(); err != nil {
		t.Fatal(err)
	}
	v, err := a.Registry.Venue(controller.DemoNASVenue)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	var venue, district usage.Cell
	err = a.DB.View(func(tx *store.Tx) error {
		for _, c := range []struct {
			s   usage.Scope
			out *usage.Cell
		}{{usage.VenueScope(string(controller.DemoNASVenue)), &venue}, {usage.DistrictScope(v.District), &district}} {
			if err := usage.Read(tx, c.s, now.Add(-2*time.Hour), now.Add(time.Hour), func(h usage.Hour) error {
				c.out.Sessions += h.Sessions
				c.out.BytesUp += h.BytesUp
				c.out.BytesDown += h.BytesDown
				c.out.Devices = max(c.out.Devices, h.Devices)
				return nil
			}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// A venue's sketch is sparse, exact at this size; a district's is
	// dense, where two of 12 devices share a register about once in 250
	// runs: its count may be one short.
	for name, c := range map[string]usage.Cell{"venue": venue, "district": district} {
		devicesOK := c.Devices == n || (name == "district" && c.Devices == n-1)
		if c.Sessions != n || c.BytesUp != n*1000 || c.BytesDown != n*5000 || !devicesOK {
			t.Errorf("%s: %+v, want %d sessions and devices, %d bytes up, %d down", name, c, n, n*1000, n*5000)
		}
	}

	today := now.In(usage.HongKong)
	if _, _, err := usage.Publish(a.DB, today, usage.Privacy{}, usage.NewNoise(rand.New(rand.NewPCG(1, 2))), now); err != nil {
		t.Fatal(err)
	}
	base := "http://" + a.HTTPAddr.String()
	code, body := get(t, http.DefaultClient, base+"/opendata/usage/"+today.Format("2006-01-02")+".json")
	if code != http.StatusOK {
		t.Fatalf("GET day: %d %s", code, body)
	}
	var got struct{ Days []usage.Day }
	if err := json.Unmarshal([]byte(body), &got); err != nil || len(got.Days) != 1 {
		t.Fatalf("day: %v %s", err, body)
	}
	found := false
	for _, r := range got.Days[0].Rows {
		if r.District == v.District && r.VenueType == v.TypeEN && !r.Suppressed {
			found = true
		}
	}
	if !found {
		t.Errorf("no published row for %s / %s in %s", v.District, v.TypeEN, body)
	}
	if code, body := get(t, http.DefaultClient, base+"/api/v1/opendata/usage?from=2026-13-01"); code != http.StatusBadRequest {
		t.Errorf("bad date: %d %s", code, body)
	}
	if code, _ := get(t, http.DefaultClient, base+"/opendata/usage/1999-01-01.csv"); code != http.StatusNotFound {
		t.Errorf("unpublished day: %d, want 404", code)
	}
	if code, _ := get(t, http.DefaultClient, base+"/opendata/usage/schema.json"); code != http.StatusOK {
		t.Errorf("schema: %d", code)
	}
}
