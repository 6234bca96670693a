package controller_test

import (
	"context"
	"math/big"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	lr "layeh.com/radius"
	"layeh.com/radius/rfc2865"
	"layeh.com/radius/rfc2866"
	"layeh.com/radius/rfc2869"

	"github.com/wifihk/wifihk/controller"
	"github.com/wifihk/wifihk/controller/config"
	"github.com/wifihk/wifihk/controller/controllertest"
	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/internal/store/postgres/pgtest"
)

// docQuery returns the SQL block that follows marker in docs/POSTGRES.md.
func docQuery(t *testing.T, marker string) string {
	t.Helper()
	doc, err := os.ReadFile("../docs/POSTGRES.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(doc), "<!-- query: "+marker+" -->\n```sql\n")
	q, _, ok2 := strings.Cut(rest, "```")
	if !ok || !ok2 {
		t.Fatalf("docs/POSTGRES.md has no query %q", marker)
	}
	return q
}

// The operator's query in docs/POSTGRES.md, usage per venue yesterday,
// gives the right figures after real RADIUS accounting from two NAS at
// two venues: sessions that started yesterday (Hong Kong time) counted,
// today's left out, octets with gigawords.
func TestUsagePerVenueQuery(t *testing.T) {
	url := pgtest.NewDB(t)
	a := controllertest.Start(t, controllertest.Options{Demo: true,
		Configure: func(c *config.Config) { c.Store.URL = url }})
	venues, _, err := a.Registry.ListVenues(hotspots.VenueFilter{}, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	other := venues[0].Key()
	if other == controller.DemoNASVenue {
		other = venues[1].Key()
	}
	if _, err := a.Registry.AddNAS(hotspots.NASInput{Name: "gw2", IP: "127.0.0.2", Secret: "s3cret-gw2", Hotspot: other}); err != nil {
		t.Fatal(err)
	}
	hk := time.FixedZone("HKT", 8*3600)
	now := time.Now().In(hk)
	midnight := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, hk)
	yesterdayNoon := midnight.Add(-12 * time.Hour)
	// stop sends a session's Stop, as received now but (Acct-Delay-Time)
	// sent when it ended, at end.
	stop := func(from, secret, id, mac string, end time.Time, secs uint32, octets uint64) {
		t.Helper()
		p := lr.New(lr.CodeAccountingRequest, []byte(secret))
		rfc2866.AcctStatusType_Set(p, rfc2866.AcctStatusType_Value_Stop)
		rfc2866.AcctSessionID_SetString(p, id)
		rfc2865.UserName_SetString(p, "u-"+id)
		rfc2865.CallingStationID_SetString(p, mac)
		rfc2866.AcctSessionTime_Set(p, rfc2866.AcctSessionTime(secs))
		rfc2866.AcctDelayTime_Set(p, rfc2866.AcctDelayTime(time.Since(end)/time.Second))
		rfc2866.AcctInputOctets_Set(p, rfc2866.AcctInputOctets(octets&0xffffffff))
		rfc2869.AcctInputGigawords_Set(p, rfc2869.AcctInputGigawords(octets>>32))
		rfc2866.AcctOutputOctets_Set(p, 1000)
		c := lr.Client{Retry: time.Second, Dialer: net.Dialer{LocalAddr: &net.UDPAddr{IP: net.ParseIP(from)}}}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if res, err := c.Exchange(ctx, p, a.AcctAddr.String()); err != nil || res.Code != lr.CodeAccountingResponse {
			t.Fatalf("%s: %v %v", id, res, err)
		}
	}
	stop("127.0.0.1", "testing123", "y1", "02-00-00-00-00-01", yesterdayNoon, 600, 5<<32+7)
	stop("127.0.0.1", "testing123", "y2", "02-00-00-00-00-01", yesterdayNoon.Add(time.Hour), 300, 100)
	stop("127.0.0.1", "testing123", "y3", "02-00-00-00-00-02", yesterdayNoon.Add(2*time.Hour), 60, 200)
	stop("127.0.0.2", "s3cret-gw2", "g1", "02-00-00-00-00-03", yesterdayNoon, 120, 300)
	stop("127.0.0.1", "testing123", "today", "02-00-00-00-00-04", now, 0, 1<<40)                       // today
	stop("127.0.0.1", "testing123", "before", "02-00-00-00-00-05", midnight.Add(-47*time.Hour), 60, 9) // the day before
	a.Sessions.Sync()

	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	rows, err := conn.Query(context.Background(), docQuery(t, "usage per venue yesterday"))
	if err != nil {
		t.Fatal(err)
	}
	type usage struct {
		venue                   string
		sessions, devices, secs int64
		octets                  string
	}
	var got []usage
	for rows.Next() {
		var u usage
		var octets, secs pgtype.Numeric
		if err := rows.Scan(&u.venue, &u.sessions, &u.devices, &octets, &secs); err != nil {
			t.Fatal(err)
		}
		o, _ := octets.Value()
		s, _ := secs.Int64Value()
		u.octets, u.secs = o.(string), s.Int64
		got = append(got, u)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	want := []usage{
		{string(controller.DemoNASVenue), 3, 2, 960, new(big.Int).SetUint64(5<<32 + 7 + 100 + 200 + 3000).String()},
		{string(other), 1, 1, 120, "1300"},
	}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("usage per venue yesterday:\n got %+v\nwant %+v", got, want)
	}
}
