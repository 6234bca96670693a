package console_test

import (
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wifihk/wifihk/accounting"
	"github.com/wifihk/wifihk/controller"
	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/usage"
)

// usageVenues are the venues seedUsage adds besides seedOrgs' two, with
// their weight (sessions per day, before growth) and APs. orga has none
// in Sha Tin (orgb's district); orga/A003 runs at saturation.
var usageVenues = []struct {
	key, name, district, typ string
	weight, aps              int
}{
	{"orga/A001", "", "Wan Chai", "Library", 9, 2},
	{"orga/A002", "Central Library Annex", "Central & Western", "Library", 14, 3},
	{"orga/A003", "Harbour Park", "Eastern", "Park", 6, 1},
	{"orga/A004", "=SUM(1+1)", "Kwun Tong", "Sports Centre", 3, 2},
	{"orga/A005", "Quiet Pier", "Islands", "Park", 0, 1},
	{"orgb/B001", "", "Sha Tin", "Library", 11, 2},
	{"orgb/B002", "Tsuen Wan Plaza", "Tsuen Wan", "Stores/Shopping Malls", 20, 4},
	{"orgb/B003", "Hill Garden", "Sha Tin", "Park", 2, 1},
}

// seeded is what seedUsage put in: sessions by organisation over the
// whole eight weeks and over the last seven Hong Kong days.
type seeded struct {
	total, week map[string]int64
}

// seedUsage adds the venues and eight weeks of sessions ending now (more
// each week), through the usage aggregator into the app's store, and
// agent reports over the last day.
func seedUsage(t testing.TB, a *testApp) seeded {
	t.Helper()
	for _, v := range usageVenues {
		if v.name == "" {
			continue
		}
		org, id, _ := strings.Cut(v.key, "/")
		d, _ := hotspots.LookupDistrict(v.district)
		_, err := a.Registry.AddVenue(hotspots.Venue{Org: org, LocationID: id, NameEN: v.name, TypeEN: v.typ,
			AddressEN: "1 Test Road", Latitude: d.Lat, Longitude: d.Lon, SSID: "WiFi@HK", Hotspots: v.aps})
		if err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now()
	y, m, dd := now.In(usage.HongKong).Date()
	today := time.Date(y, m, dd, 0, 0, 0, 0, usage.HongKong)
	weekFrom := today.AddDate(0, 0, -6)
	rng := rand.New(rand.NewPCG(17, 4))
	s := seeded{total: map[string]int64{}, week: map[string]int64{}}
	var ss []accounting.Session
	for day := 0; day < 56; day++ {
		date := today.AddDate(0, 0, day-55)
		for _, v := range usageVenues {
			n := v.weight * (4 + day/7) / 4 // each week busier
			for i := range n {
				start := date.Add(time.Duration(7+rng.IntN(15))*time.Hour + time.Duration(rng.IntN(3600))*time.Second)
				stop := start.Add(time.Duration(5+rng.IntN(90)) * time.Minute)
				if !stop.Before(now) {
					continue
				}
				org, _, _ := strings.Cut(v.key, "/")
				s.total[org]++
				if !start.Before(weekFrom) {
					s.week[org]++
				}
				ss = append(ss, accounting.Session{ID: fmt.Sprintf("nas/%s-%d-%d", v.key, day, i), NAS: "nas", AcctID: fmt.Sprint(len(ss)),
					Venue: v.key, MAC: fmt.Sprintf("02-00-00-00-%02X-%02X", rng.IntN(3), rng.IntN(256)), Username: "u",
					Started: start, Stopped: stop, InputOctets: uint64(rng.IntN(50e6)), OutputOctets: uint64(rng.IntN(500e6))})
			}
		}
	}
	agg := usage.NewAggregator(controller.UsagePlaces(a.Registry), []byte("test pseudonyms"))
	agg.Replay(ss)
	for _, v := range usageVenues {
		clients := 5 + v.weight/2
		if v.key == "orga/A003" {
			clients = 45
		}
		for m := 0; m < 24*60; m += 15 {
			if at := now.Add(-time.Duration(m) * time.Minute); !at.Before(weekFrom) {
				agg.APReport(v.key, at, clients)
			}
		}
	}
	if _, err := usage.Flush(a.DB, agg, now); err != nil {
		t.Fatal(err)
	}
	return s
}

// getCSV fetches a CSV export and parses it.
func getCSV(t *testing.T, c *http.Client, u string) [][]string {
	t.Helper()
	res, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") ||
		!strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment;") {
		t.Fatalf("%s: %d %q %q", u, res.StatusCode, res.Header.Get("Content-Type"), res.Header.Get("Content-Disposition"))
	}
	recs, err := csv.NewReader(res.Body).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", u, err)
	}
	return recs
}

// column sums a CSV column.
func column(t *testing.T, recs [][]string, name string) int64 {
	t.Helper()
	col := -1
	for i, h := range recs[0] {
		if h == name {
			col = i
		}
	}
	if col < 0 {
		t.Fatalf("no column %q in %q", name, recs[0])
	}
	var sum int64
	for _, r := range recs[1:] {
		n, err := strconv.ParseInt(r[col], 10, 64)
		if err != nil {
			t.Fatalf("%s %q: %v", name, r[col], err)
		}
		sum += n
	}
	return sum
}

// An operator's analytics hold only their organisation's venues and
// figures, in the page and in every CSV; staff with no organisation see
// the city.
func TestAnalyticsScopedToOrganisation(t *testing.T) {
	a := startApp(t, appOpts{})
	s := seedUsage(t, a)
	base := a.URL + "/console/analytics"
	for _, c := range []struct {
		user, org string
		sessions  int64
	}{{"admin", "", s.week["orga"] + s.week["orgb"]}, {"viewer", "", s.week["orga"] + s.week["orgb"]},
		{"op-a", "orga", s.week["orga"]}, {"op-b", "orgb", s.week["orgb"]}} {
		t.Run(c.user, func(t *testing.T) {
			cl := client(t)
			signIn(t, cl, a.URL, c.user)
			code, page := get(t, cl, base+"?lang=en")
			if code != http.StatusOK {
				t.Fatalf("%d %s", code, page)
			}
			other := map[string]string{"orga": "orgb", "orgb": "orga"}[c.org]
			if c.org != "" {
				for _, leak := range []string{other + "/", "Tsuen Wan Plaza", "Harbour Park", "Hill Garden"} {
					if leak == "Harbour Park" && c.org == "orga" || leak == "Tsuen Wan Plaza" && c.org == "orgb" || leak == "Hill Garden" && c.org == "orgb" {
						continue
					}
					if strings.Contains(page, leak) {
						t.Errorf("%s's page shows %q", c.user, leak)
					}
				}
			} else if !strings.Contains(page, `data-venue="orga/A002"`) || !strings.Contains(page, `data-venue="orgb/B002"`) {
				t.Error("the city's page lacks a venue of each organisation")
			}
			hm := getCSV(t, cl, base+".csv?table=heatmap&days=7")
			if got := column(t, hm, "Sessions"); got != c.sessions {
				t.Errorf("heatmap sessions over 7 days: %d, want %d", got, c.sessions)
			}
			hours := getCSV(t, cl, base+".csv?table=hours&days=7")
			if got := column(t, hours, "Sessions"); got != c.sessions {
				t.Errorf("hours of day: %d sessions, want %d", got, c.sessions)
			}
			tr := getCSV(t, cl, base+".csv?table=trends")
			if len(tr) != 9 {
				t.Fatalf("trends: %d rows, want a header and 8 weeks", len(tr))
			}
			if got, _ := strconv.ParseInt(tr[8][1], 10, 64); got != c.sessions {
				t.Errorf("the last week's sessions: %d, want %d", got, c.sessions)
			}
			for _, table := range []string{"busiest", "quietest", "saturation"} {
				for _, r := range getCSV(t, cl, base+".csv?table="+table)[1:] {
					v := r[0]
					if table != "saturation" {
						v = r[1]
					}
					if c.org != "" && !strings.HasPrefix(v, c.org+"/") {
						t.Errorf("%s's %s CSV has %q", c.user, table, v)
					}
				}
			}
			// The heatmap's districts are the organisation's.
			for _, r := range hm[1:] {
				if c.org == "orga" && r[0] == "Sha Tin" {
					t.Errorf("orga's heatmap has a row for Sha Tin: %q", r)
				}
			}
		})
	}
}

// The rankings and saturation are right for the city: busiest first,
// the venue without sessions among the quietest, the saturated venue
// found by its AP reports; names that a spreadsheet would run are inert.
func TestAnalyticsRankingsAndCSV(t *testing.T) {
	a := startApp(t, appOpts{})
	seedUsage(t, a)
	cl := client(t)
	signIn(t, cl, a.URL, "admin")
	base := a.URL + "/console/analytics.csv?days=28&table="
	busiest := getCSV(t, cl, base+"busiest")
	if len(busiest) < 4 || busiest[1][1] != "orgb/B002" || busiest[2][1] != "orga/A002" {
		t.Errorf("busiest: %q", busiest)
	}
	quietest := getCSV(t, cl, base+"quietest")
	if len(quietest) < 2 || quietest[1][1] != "orga/A005" || quietest[1][5] != "0" {
		t.Errorf("quietest: %q", quietest)
	}
	found := false
	for _, r := range append(busiest, quietest...) {
		if r[2] == "'=SUM(1+1)" {
			found = true
		}
		if strings.HasPrefix(r[2], "=") {
			t.Errorf("a name left as a formula: %q", r)
		}
	}
	if !found {
		t.Error("the venue named =SUM(1+1) is in neither ranking")
	}
	sat := getCSV(t, cl, base+"saturation")
	if len(sat) != 2 || sat[1][0] != "orga/A003" || sat[1][4] != "45" {
		t.Errorf("saturation at 30 clients per AP: %q", sat)
	}
	if n := len(getCSV(t, cl, base+"saturation&sat=5")); n != 1+len(usageVenues) {
		t.Errorf("saturation at 5 clients per AP: %d rows, want every venue", n-1)
	}
	hm := getCSV(t, cl, base+"heatmap&by=type")
	if hm[0][0] != "Venue type" || (len(hm)-1)%24 != 0 {
		t.Errorf("heatmap by type: header %q, %d rows", hm[0], len(hm)-1)
	}
	checkAnalyticsChinese(t, cl, a.URL)
	// The page's heatmap has a row of 24 cells per district with figures.
	_, page := get(t, cl, a.URL+"/console/analytics?days=28&lang=zh-Hant")
	rows := strings.Count(page, `<th scope="row">`)
	if cells := strings.Count(page, `<rect class="h`); cells != 24*7 {
		t.Errorf("heatmap has %d cells, want 24 × 7 districts (%d row headers)", cells, rows)
	}
	if !strings.Contains(page, "灣仔區") || !strings.Contains(page, "最繁忙時段") {
		t.Error("the page is not in Traditional Chinese")
	}
}

// Junk in the query is refused with a message and 400, on the page and
// the CSV; parameters the page does not read are ignored.
func TestAnalyticsRefusesJunk(t *testing.T) {
	a := startApp(t, appOpts{})
	cl := client(t)
	signIn(t, cl, a.URL, "op-a")
	for _, q := range []string{"days=0", "days=93", "days=7x", "days=-1", "days=1e3", "to=2026-13-01", "to=yesterday",
		"to=1999-12-31", "by=venue", "by=%00", "sat=0", "sat=1001", "sat=ten", "days=7&days=8", "to=2026-12-01&to=2026-12-02",
		"table=../../etc/passwd", "sat=" + strings.Repeat("9", 400)} {
		for _, path := range []string{"/console/analytics?", "/console/analytics.csv?table=hours&"} {
			u := a.URL + path + q
			code, body := get(t, cl, u)
			if code != http.StatusBadRequest || !strings.Contains(body, `class="error" role="alert"`) {
				t.Errorf("%s: %d, want 400 with a message", u, code)
			}
		}
	}
	if code, _ := get(t, cl, a.URL+"/console/analytics.csv"); code != http.StatusBadRequest {
		t.Errorf("CSV without a table: %d, want 400", code)
	}
	if code, _ := get(t, cl, a.URL+"/console/analytics?utm_source=x&lang=zh-Hans&"+url.Values{"q": {"<script>"}}.Encode()); code != http.StatusOK {
		t.Errorf("unknown parameters: %d, want 200", code)
	}
	anon := client(t)
	if res, err := anon.Get(a.URL + "/console/analytics.csv?table=hours"); err != nil || res.StatusCode != http.StatusSeeOther {
		t.Errorf("signed out: %v %v, want a redirect to sign in", res, err)
	}
}

// In Chinese the heatmap's venue types, the CSV's headers, districts
// and venue types are in Chinese; the rankings count a day's distinct
// devices.
func checkAnalyticsChinese(t *testing.T, cl *http.Client, base string) {
	t.Helper()
	_, page := get(t, cl, base+"/console/analytics?days=28&by=type&lang=zh-Hant")
	if !strings.Contains(page, "商店／商場") || strings.Contains(page, "Stores/Shopping Malls") {
		t.Error("the heatmap by venue type is not in Traditional Chinese")
	}
	hm := getCSV(t, cl, base+"/console/analytics.csv?days=28&by=type&table=heatmap&lang=zh-Hant")
	if want := []string{"場地類型", "時段", "連接", "上傳位元組", "下載位元組", "分鐘", "最高同時連接"}; !slices.Equal(hm[0], want) {
		t.Errorf("heatmap CSV header %q, want %q", hm[0], want)
	}
	types := map[string]bool{}
	for _, r := range hm[1:] {
		types[r[0]] = true
	}
	if !types["商店／商場"] || types["Stores/Shopping Malls"] {
		t.Errorf("heatmap CSV venue types: %v", types)
	}
	yesterday := time.Now().In(usage.HongKong).AddDate(0, 0, -1).Format("2006-01-02")
	busiest := getCSV(t, cl, base+"/console/analytics.csv?days=1&table=busiest&lang=zh-Hans&to="+yesterday)
	if want := []string{"排名", "场地", "名称", "地区", "AP 数目", "连接", "上传字节", "下载字节", "分钟", "最高同时连接", "不同设备"}; !slices.Equal(busiest[0], want) {
		t.Errorf("busiest CSV header %q, want %q", busiest[0], want)
	}
	if len(busiest) < 2 || busiest[1][3] != "荃湾区" {
		t.Fatalf("busiest CSV in Simplified Chinese: %q", busiest)
	}
	if n, _ := strconv.Atoi(busiest[1][10]); n < 1 || n > 3*256 {
		t.Errorf("the busiest venue's distinct devices yesterday: %q", busiest[1][10])
	}
}

// The venue page lists the venue's last seven days from the usage
// figures, newest first, with each day's distinct devices: the same as
// usage.VenueDaily gives, and in the page's language.
func TestVenuePageShowsItsDays(t *testing.T) {
	a := startApp(t, appOpts{})
	seedUsage(t, a)
	cl := client(t)
	signIn(t, cl, a.URL, "op-b")
	code, page := get(t, cl, a.URL+"/console/venues/orgb/B002?lang=zh-Hant")
	if code != http.StatusOK || !strings.Contains(page, "最近 7 日") {
		t.Fatalf("%d, no days' table in Traditional Chinese", code)
	}
	today := time.Now().In(usage.HongKong)
	want, err := usage.Figures{DB: a.DB}.VenueDaily("orgb/B002", today.AddDate(0, 0, -6), today)
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile(`<tr data-date="([0-9-]+)"><th scope="row">[0-9-]+</th><td class="n">(\d+)</td><td class="n">(\d+)</td>`)
	rows := row.FindAllStringSubmatch(page, -1)
	if len(rows) != 7 || rows[0][1] != today.Format("2006-01-02") || rows[6][1] != today.AddDate(0, 0, -6).Format("2006-01-02") {
		t.Fatalf("days: %q", rows)
	}
	busy := 0
	for _, r := range rows {
		var w usage.Cell
		if c := want[r[1]]; c != nil {
			w = *c
		}
		if r[2] != strconv.FormatInt(w.Sessions, 10) || r[3] != strconv.FormatInt(w.Devices, 10) {
			t.Errorf("%s: %s sessions, %s devices; want %d, %d", r[1], r[2], r[3], w.Sessions, w.Devices)
		}
		if w.Sessions > 0 && w.Devices > 0 {
			busy++
		}
	}
	if busy < 5 {
		t.Errorf("only %d of the days have sessions and devices", busy)
	}
}
