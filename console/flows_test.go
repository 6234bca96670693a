package console_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wifihk/wifihk/accounting"
	"github.com/wifihk/wifihk/hotspots"
)

func TestEditVenueNamesTheWrongField(t *testing.T) {
	a := startApp(t, appOpts{})
	c := client(t)
	signIn(t, c, a.URL, "admin")
	u := a.URL + "/console/venues/orgb/B001"
	code, form := get(t, c, u+"?edit=1")
	if code != 200 || !strings.Contains(form, `name="action" value="update"`) {
		t.Fatalf("edit form: %d", code)
	}
	fields := url.Values{"action": {"update"}, "name_en": {"Renamed"}, "latitude": {"21.5"}, "longitude": {"114.2"}}
	res, body := post(t, c, form, u, fields)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="latitude" name="latitude" type="number" value="21.5" required aria-invalid="true"`) {
		t.Fatalf("latitude outside Hong Kong: %d\n%s", res.StatusCode, body)
	}
	fields.Set("latitude", "22.38")
	res, _ = post(t, c, form, u, fields)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("valid edit: %d", res.StatusCode)
	}
	v, err := a.Registry.Venue("orgb/B001")
	if err != nil || v.NameEN != "Renamed" || v.Latitude != 22.38 {
		t.Fatalf("after edit: %+v %v", v, err)
	}
	// The organisation's operator may edit it; the other's may not.
	op := client(t)
	signIn(t, op, a.URL, "op-a")
	_, opPage := get(t, op, a.URL+"/console/venues")
	fields.Del("csrf")
	res, _ = post(t, op, opPage, u, fields)
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("orga's operator editing orgb's venue: %d", res.StatusCode)
	}
}

func TestSessionsSearchAndSilentNAS(t *testing.T) {
	a := startApp(t, appOpts{})
	for _, n := range []hotspots.NASInput{
		{Name: "nas-a", IP: "127.0.0.2", Secret: "secret-a", Hotspot: "orga/A001"},
		{Name: "nas-b", IP: "127.0.0.3", Secret: "secret-b", Hotspot: "orgb/B001"},
	} {
		if _, err := a.Registry.AddNAS(n); err != nil {
			t.Fatal(err)
		}
	}
	st := accounting.New(a.DB)
	now := time.Now()
	for _, u := range []accounting.Update{
		{NAS: "nas-a", AcctID: "1", Status: accounting.Start, Username: "alice", MAC: "02:aa:00:00:00:01", At: now},
		{NAS: "nas-a", AcctID: "2", Status: accounting.Start, Username: "bob", MAC: "02:bb:00:00:00:02", At: now},
		// nas-b's only session has had no accounting for an hour.
		{NAS: "nas-b", AcctID: "3", Status: accounting.Start, Username: "carol", MAC: "02:cc:00:00:00:03", At: now.Add(-time.Hour)},
	} {
		if _, err := st.Apply(u); err != nil {
			t.Fatal(err)
		}
	}
	c := client(t)
	signIn(t, c, a.URL, "admin")
	rows := regexp.MustCompile(`data-session="([^"]+)"`)
	for _, tc := range []struct{ q, want string }{
		{"", "nas-a/1 nas-a/2 nas-b/3"}, {"ALICE", "nas-a/1"}, {"02:bb", "nas-a/2"}, {"orgb/B001", "nas-b/3"}, {"nobody", ""},
	} {
		_, page := get(t, c, a.URL+"/console/sessions?q="+url.QueryEscape(tc.q))
		var got []string
		for _, m := range rows.FindAllStringSubmatch(page, -1) {
			got = append(got, m[1])
		}
		if strings.Join(sortedCopy(got), " ") != tc.want {
			t.Errorf("search %q: %v, want %s", tc.q, got, tc.want)
		}
	}
	// The coverage table counts them per district (from the sessions until
	// accounting reports usage itself).
	_, cov := get(t, c, a.URL+"/console/coverage")
	for _, tc := range []struct{ district, want string }{{"Wan Chai", "2 2 0.00"}, {"Sha Tin", "1 1 0.00"}, {"Islands", "0 0 0.00"}} {
		m := regexp.MustCompile(`>` + tc.district + `</a></th>(.*?)</tr>`).FindStringSubmatch(cov)
		if m == nil {
			t.Fatalf("no row for %s", tc.district)
		}
		cells := regexp.MustCompile(`<td class="n">([^<]*)</td>`).FindAllStringSubmatch(m[1], -1)
		if len(cells) != 6 {
			t.Fatalf("%s row: %s", tc.district, m[1])
		}
		if got := cells[3][1] + " " + cells[4][1] + " " + cells[5][1]; got != tc.want {
			t.Errorf("%s: sessions, devices, GB = %q, want %q", tc.district, got, tc.want)
		}
	}
	_, alerts := get(t, c, a.URL+"/console/alerts")
	if !strings.Contains(alerts, `data-nas="nas-b"`) || strings.Contains(alerts, `data-nas="nas-a"`) {
		t.Errorf("silent NAS alerts wrong")
	}
	op := client(t)
	signIn(t, op, a.URL, "op-a")
	_, page := get(t, op, a.URL+"/console/sessions")
	if strings.Contains(page, "carol") || !strings.Contains(page, "alice") {
		t.Error("operator of orga sees the wrong sessions")
	}
	_, alerts = get(t, op, a.URL+"/console/alerts")
	if strings.Contains(alerts, `data-nas="nas-b"`) {
		t.Error("operator of orga sees orgb's NAS alert")
	}
	// Disconnecting another organisation's session is refused before any
	// packet is sent.
	res, _ := post(t, op, page, a.URL+"/console/sessions/disconnect", url.Values{"id": {"nas-b/3"}})
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("orga's operator disconnecting orgb's session: %d", res.StatusCode)
	}
}

func TestDisconnectWithNoAnswerAndWithoutCSRF(t *testing.T) {
	a := startApp(t, appOpts{})
	// A NAS that never answers: the console says so instead of hanging.
	if _, err := a.Registry.AddNAS(hotspots.NASInput{Name: "mute", IP: "127.0.0.4", Secret: "secret-m", Hotspot: "orga/A001", CoAPort: 9}); err != nil {
		t.Fatal(err)
	}
	if _, err := accounting.New(a.DB).Apply(accounting.Update{NAS: "mute", AcctID: "x", Status: accounting.Start, Username: "dave", NASAddr: "127.0.0.4"}); err != nil {
		t.Fatal(err)
	}
	c := client(t)
	signIn(t, c, a.URL, "admin")
	_, page := get(t, c, a.URL+"/console/sessions")
	start := time.Now()
	res, body := post(t, c, page, a.URL+"/console/sessions/disconnect", url.Values{"id": {"mute/x"}})
	if res.StatusCode != 200 || !strings.Contains(body, "No answer from the NAS") || !strings.Contains(body, `data-ack="false"`) {
		t.Fatalf("mute NAS: %d %s", res.StatusCode, body)
	}
	if d := time.Since(start); d > 15*time.Second {
		t.Errorf("took %v", d)
	}
	// A forged or missing CSRF token sends nothing.
	res, _ = post(t, c, "", a.URL+"/console/sessions/disconnect", url.Values{"id": {"mute/x"}, "csrf": {"x"}})
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("disconnect without CSRF token: %d", res.StatusCode)
	}
}

func TestVouchersScopedToTheirOrganisation(t *testing.T) {
	a := startApp(t, appOpts{})
	op := client(t)
	signIn(t, op, a.URL, "op-a")
	_, page := get(t, op, a.URL+"/console/vouchers")
	res, body := post(t, op, page, a.URL+"/console/vouchers", url.Values{"count": {"3"}, "minutes": {"30"}, "uses": {"1"}, "valid_days": {"7"}, "data_cap_mb": {"0"}})
	m := regexp.MustCompile(`href="/console/vouchers/(vb-\d+)"`).FindStringSubmatch(body)
	codes := regexp.MustCompile(`<p class="vcode">([A-Z0-9]{5}-[A-Z0-9]{5})</p>`).FindAllStringSubmatch(body, -1)
	if res.StatusCode != 200 || m == nil || len(codes) != 3 {
		t.Fatalf("generate: %d %s", res.StatusCode, body)
	}
	// The codes were shown once, as cards to print; the batch's page
	// shows each one's state, masked.
	code, batch := get(t, op, a.URL+"/console/vouchers/"+m[1])
	if code != 200 || strings.Count(batch, "<code>*****-*") != 3 || strings.Contains(batch, codes[0][1]) ||
		!strings.Contains(batch, "*****-*"+codes[0][1][7:]) {
		t.Fatalf("batch page: %d %s", code, batch)
	}
	other := client(t)
	signIn(t, other, a.URL, "op-b")
	if code, _ := get(t, other, a.URL+"/console/vouchers/"+m[1]); code != http.StatusNotFound {
		t.Errorf("orgb's operator printing orga's vouchers: %d", code)
	}
	res, body = post(t, op, page, a.URL+"/console/vouchers", url.Values{"count": {"5000"}, "minutes": {"30"}, "uses": {"1"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "count") {
		t.Errorf("5000 vouchers: %d", res.StatusCode)
	}
	viewer := client(t)
	signIn(t, viewer, a.URL, "viewer")
	_, vpage := get(t, viewer, a.URL+"/console/vouchers")
	if strings.Contains(vpage, `href="/console/vouchers"`) {
		t.Error("a viewer's menu offers vouchers")
	}
	if res, _ := post(t, viewer, vpage, a.URL+"/console/vouchers", url.Values{"count": {"1"}, "minutes": {"30"}, "uses": {"1"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("viewer generating vouchers: %d", res.StatusCode)
	}
}

// An admin's batch is network-wide: only admins see it, though a
// network-wide viewer reads everything else.
func TestNetworkVoucherBatchIsAdminsOnly(t *testing.T) {
	a := startApp(t, appOpts{})
	admin := client(t)
	signIn(t, admin, a.URL, "admin")
	_, page := get(t, admin, a.URL+"/console/vouchers")
	res, body := post(t, admin, page, a.URL+"/console/vouchers", url.Values{"count": {"2"}, "minutes": {"30"}, "uses": {"1"}, "valid_days": {"7"}})
	m := regexp.MustCompile(`href="/console/vouchers/(vb-\d+)"`).FindStringSubmatch(body)
	if res.StatusCode != 200 || m == nil {
		t.Fatalf("generate: %d %s", res.StatusCode, body)
	}
	for _, who := range []string{"op-a", "viewer"} {
		c := client(t)
		signIn(t, c, a.URL, who)
		if code, _ := get(t, c, a.URL+"/console/vouchers/"+m[1]); code != http.StatusNotFound {
			t.Errorf("%s reading a network-wide batch: %d, want 404", who, code)
		}
	}
	if code, _ := get(t, admin, a.URL+"/console/vouchers/"+m[1]); code != http.StatusOK {
		t.Errorf("admin reading the batch: %d", code)
	}
}

func sortedCopy(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}
