package console_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wifihk/wifihk/accounting"
	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/visitors"
)

// TestDisableAndDeleteVisitorAccount: an operator disables, enables and,
// once confirmed, deletes their organisation's visitor account; another
// organisation's operator and a viewer can do neither; every step is
// audited.
func TestDisableAndDeleteVisitorAccount(t *testing.T) {
	a := startApp(t, appOpts{})
	vis := visitors.New(a.DB, a.Sealer)
	for _, in := range []visitors.AccountInput{{Username: "guest-1", Password: "password-1", Org: "orga"},
		{Username: "walk-in", Password: "password-1"}} { // signed up on the portal: no organisation
		if _, err := vis.AddAccount(in); err != nil {
			t.Fatal(err)
		}
	}
	op, other, viewer := client(t), client(t), client(t)
	signIn(t, op, a.URL, "op-a")
	signIn(t, other, a.URL, "op-b")
	signIn(t, viewer, a.URL, "viewer")
	_, page := get(t, op, a.URL+"/console/accounts?q=guest-1")
	if !strings.Contains(page, `id="acc-disable"`) || !strings.Contains(page, `id="acc-delete"`) {
		t.Fatalf("the account's page offers no disable or delete:\n%s", page)
	}
	form := func() url.Values { return url.Values{"username": {"guest-1"}} }
	_, opage := get(t, other, a.URL+"/console/accounts")
	_, vpage := get(t, viewer, a.URL+"/console/accounts?q=guest-1")
	if strings.Contains(vpage, `id="acc-disable"`) {
		t.Error("a viewer is offered to disable an account")
	}
	for _, tc := range []struct {
		who  *http.Client
		page string
		path string
		want int
	}{
		{other, opage, "/console/accounts/disable", http.StatusNotFound},
		{other, opage, "/console/accounts/delete", http.StatusNotFound},
		{viewer, vpage, "/console/accounts/disable", http.StatusForbidden},
		{op, page, "/console/accounts/promote", http.StatusNotFound},
	} {
		if res, _ := post(t, tc.who, tc.page, a.URL+tc.path, form()); res.StatusCode != tc.want && !(tc.want == 404 && res.StatusCode == 405) {
			t.Errorf("%s: %d, want %d", tc.path, res.StatusCode, tc.want)
		}
	}
	if res, _ := post(t, op, page, a.URL+"/console/accounts/disable", url.Values{"username": {"walk-in"}}); res.StatusCode != http.StatusNotFound {
		t.Errorf("an operator disabling an account of no organisation: %d", res.StatusCode)
	}
	if res, _ := post(t, op, "", a.URL+"/console/accounts/disable", url.Values{"username": {"guest-1"}, "csrf": {"forged"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("disable without the form's token: %d", res.StatusCode)
	}
	if c, _ := vis.Get("guest-1"); c.Disabled {
		t.Fatal("refused requests disabled the account")
	}

	res, body := post(t, op, page, a.URL+"/console/accounts/disable", form())
	if c, _ := vis.Get("guest-1"); res.StatusCode != 200 || !c.Disabled || !errors.Is(c.Usable(time.Now()), visitors.ErrDisabled) {
		t.Fatalf("disable: %d, account %+v", res.StatusCode, c)
	}
	if !strings.Contains(body, "guest-1 is disabled") || !strings.Contains(body, `id="acc-enable"`) {
		t.Errorf("after disabling:\n%s", body)
	}
	if res, _ := post(t, op, body, a.URL+"/console/accounts/enable", form()); res.StatusCode != 200 {
		t.Fatalf("enable: %d", res.StatusCode)
	}
	if c, _ := vis.Get("guest-1"); c.Disabled {
		t.Fatal("still disabled after enable")
	}
	confirm := confirmStep(t, op, page, a.URL+"/console/accounts/delete", form())
	if !strings.Contains(confirm, "Delete visitor account guest-1?") || !strings.Contains(confirm, `name="username" value="guest-1"`) {
		t.Errorf("the confirmation does not name the account:\n%s", confirm)
	}
	if _, err := vis.Get("guest-1"); err != nil {
		t.Fatalf("deleted before it was confirmed: %v", err)
	}
	f := form()
	f.Set("confirm", "yes")
	if res, body := post(t, op, confirm, a.URL+"/console/accounts/delete", f); res.StatusCode != 200 || !strings.Contains(body, "Account guest-1 is deleted.") {
		t.Fatalf("delete: %d\n%s", res.StatusCode, body)
	}
	if _, err := vis.Get("guest-1"); !errors.Is(err, visitors.ErrUnknown) {
		t.Fatalf("after delete: %v", err)
	}
	entries, _ := a.Registry.AuditLog("orga", 0, 5)
	var got []string
	for _, e := range entries {
		if e.Object == "guest-1" {
			got = append(got, e.Action)
		}
	}
	if strings.Join(got, " ") != "account.delete account.enable account.disable" {
		t.Errorf("audit: %v", got)
	}
}

// TestDeleteVenueConfirmedScopedAndAudited: a venue with a gateway stays
// and its page says why; without it, and once confirmed, it goes; the
// other organisation's operator cannot reach it.
func TestDeleteVenueConfirmedScopedAndAudited(t *testing.T) {
	a := startApp(t, appOpts{})
	if _, err := a.Registry.AddNAS(hotspots.NASInput{Name: "nas-a", IP: "127.0.0.2", Secret: "secret-a", Hotspot: "orga/A001"}); err != nil {
		t.Fatal(err)
	}
	op, other := client(t), client(t)
	signIn(t, op, a.URL, "op-a")
	signIn(t, other, a.URL, "op-b")
	u := a.URL + "/console/venues/orga/A001"
	_, page := get(t, op, u)
	if !strings.Contains(page, `id="venue-delete"`) {
		t.Fatalf("the venue page offers no removal")
	}
	del := func() url.Values { return url.Values{"action": {"delete"}} }
	_, opage := get(t, other, a.URL+"/console/venues")
	if res, _ := post(t, other, opage, u, del()); res.StatusCode != http.StatusNotFound {
		t.Errorf("orgb's operator removing orga's venue: %d", res.StatusCode)
	}
	confirm := confirmStep(t, op, page, u, del())
	if !strings.Contains(confirm, "Remove venue Venue of orga (orga/A001)?") || !strings.Contains(confirm, `name="action" value="delete"`) {
		t.Errorf("confirmation:\n%s", confirm)
	}
	f := del()
	f.Set("confirm", "yes")
	res, body := post(t, op, confirm, u, f)
	if res.StatusCode != http.StatusConflict || !strings.Contains(body, "still has gateways or APs") {
		t.Fatalf("removing a venue with a gateway: %d\n%s", res.StatusCode, body)
	}
	if err := a.Registry.DeleteNAS("nas-a"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Registry.Venue("orga/A001"); err != nil {
		t.Fatalf("venue gone before it could be: %v", err)
	}
	res, body = post(t, op, confirm, u, f)
	if res.StatusCode != 200 || !strings.Contains(body, "Venue Venue of orga (orga/A001) is removed.") {
		t.Fatalf("remove: %d\n%s", res.StatusCode, body)
	}
	if !strings.Contains(body, `href="/console/venues?lang=zh-Hant"`) {
		t.Error("the answer's language links do not lead to the venue list")
	}
	if _, err := a.Registry.Venue("orga/A001"); !errors.Is(err, hotspots.ErrNotFound) {
		t.Fatalf("after remove: %v", err)
	}
	entries, _ := a.Registry.AuditLog("orga", 0, 3)
	if len(entries) == 0 || entries[0].Action != "venue.delete" || entries[0].Object != "orga/A001" {
		t.Errorf("audit: %+v", entries)
	}
}

var summaryRE = regexp.MustCompile(`<li(?: class="warn")?><strong>([^<]+)</strong> <span>([^<]+)</span></li>`)

// summary reads a page's summary strip as "figure label" lines.
func summary(page string) map[string]string {
	out := map[string]string{}
	for _, m := range summaryRE.FindAllStringSubmatch(page, -1) {
		out[m[2]] = m[1]
	}
	return out
}

// TestSummaryStrips: each daily page opens with its key figures, counted
// in the principal's scope.
func TestSummaryStrips(t *testing.T) {
	a := startApp(t, appOpts{})
	seedHistory(t, a)
	admin, op := client(t), client(t)
	signIn(t, admin, a.URL, "admin")
	signIn(t, op, a.URL, "op-a")
	for _, tc := range []struct {
		who  *http.Client
		path string
		want map[string]string
	}{
		{admin, "/console/coverage", map[string]string{"venues": "2", "hotspots": "4", "districts below target": "18"}},
		{op, "/console/coverage", map[string]string{"venues": "1", "hotspots": "2"}},
		{admin, "/console/venues", map[string]string{"found": "2", "APs": "0"}},
		{admin, "/console/sessions", map[string]string{"sessions open now": "3", "devices": "3", "venues in use": "2"}},
		{op, "/console/sessions", map[string]string{"sessions open now": "2", "devices": "2", "venues in use": "1"}},
		{admin, "/console/sessions/history", map[string]string{"found": "4", "still open": "3"}},
		{op, "/console/sessions/history?state=closed", map[string]string{"found": "1", "still open": "0"}},
		{admin, "/console/nas", map[string]string{"gateways": "2", "with open sessions": "2", "sessions open now": "3",
			"not requiring Message-Authenticator": "0"}},
		{op, "/console/nas", map[string]string{"gateways": "1", "sessions open now": "2"}},
		{admin, "/console/staff", map[string]string{"staff accounts": "4", "active administrators": "1", "disabled": "0"}},
		{op, "/console/vouchers", map[string]string{"batches": "0", "codes still usable": "0"}},
		{admin, "/console/alerts", map[string]string{"gateways gone silent": "2"}},
	} {
		code, page := get(t, tc.who, a.URL+tc.path)
		got := summary(page)
		if code != 200 || !strings.Contains(page, `<ul class="summary" id="summary"`) {
			t.Errorf("%s: %d, no summary strip", tc.path, code)
			continue
		}
		for label, n := range tc.want {
			if got[label] != n {
				t.Errorf("%s: %q is %q, want %q (strip %v)", tc.path, label, got[label], n, got)
			}
		}
	}
	_, page := get(t, admin, a.URL+"/console/sessions?lang=zh-Hant")
	if got := summary(page); got["個現時連線"] != "3" {
		t.Errorf("zh-Hant sessions strip: %v", got)
	}
}

// TestExtendSessionSendsCoA: Extend sends the session's NAS, on a real UDP
// socket, a CoA-Request whose Session-Timeout ends the session the chosen
// minutes from now; the answer is shown and audited; minutes off the menu
// and another organisation's operator are refused.
func TestExtendSessionSendsCoA(t *testing.T) {
	a := startApp(t, appOpts{})
	port, asked := testNAS(t, "nas-secret-1")
	if _, err := a.Registry.AddNAS(hotspots.NASInput{Name: "test-nas", IP: "127.0.0.1", Secret: "nas-secret-1", Hotspot: "orga/A001", CoAPort: port}); err != nil {
		t.Fatal(err)
	}
	started := time.Now().Add(-10 * time.Minute)
	if _, err := accounting.New(a.DB).Apply(accounting.Update{NAS: "test-nas", AcctID: "sess-9", Status: accounting.Start,
		Username: "visitor9", MAC: "02:11:22:33:44:99", NASAddr: "127.0.0.1", At: started}); err != nil {
		t.Fatal(err)
	}
	op, other := client(t), client(t)
	signIn(t, op, a.URL, "op-a")
	signIn(t, other, a.URL, "op-b")
	_, page := get(t, op, a.URL+"/console/sessions")
	if !strings.Contains(page, `action="/console/sessions/extend"`) || !strings.Contains(page, `<option value="60">&#43;60 min</option>`) {
		t.Fatalf("no Extend on the sessions page:\n%s", page)
	}
	_, opage := get(t, other, a.URL+"/console/sessions")
	if res, _ := post(t, other, opage, a.URL+"/console/sessions/extend", url.Values{"id": {"test-nas/sess-9"}, "minutes": {"60"}}); res.StatusCode != http.StatusNotFound {
		t.Errorf("orgb's operator extending orga's session: %d", res.StatusCode)
	}
	if res, _ := post(t, op, page, a.URL+"/console/sessions/extend", url.Values{"id": {"test-nas/sess-9"}, "minutes": {"45"}}); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("45 minutes, off the menu: %d", res.StatusCode)
	}
	select {
	case got := <-asked:
		t.Fatalf("a refused extend reached the NAS: %s", got)
	default:
	}
	res, body := post(t, op, page, a.URL+"/console/sessions/extend", url.Values{"id": {"test-nas/sess-9"}, "minutes": {"60"}})
	if res.StatusCode != 200 || !strings.Contains(body, "session test-nas/sess-9 may now run until") || !strings.Contains(body, "test-nas/sess-9: CoA-ACK") {
		t.Fatalf("extend: %d\n%s", res.StatusCode, body)
	}
	select {
	case got := <-asked:
		var timeout int
		if _, err := fmt.Sscanf(got, "CoA sess-9 Session-Timeout=%d", &timeout); err != nil || timeout < 4195 || timeout > 4210 {
			t.Errorf("the NAS was asked %q, want a Session-Timeout of 10 + 60 minutes (4200 s)", got)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the NAS got no CoA-Request")
	}
	entries, _ := a.Registry.AuditLog("orga", 0, 3)
	if len(entries) == 0 || entries[0].Action != "session.extend" || entries[0].Detail != "+60 min: ack" {
		t.Errorf("audit: %+v", entries)
	}
}

// TestHistoryExportLinkKeepsTheFilter: the history page's export link
// carries its filter (it once lost it to URL escaping and exported every
// session), and following it exports just those sessions.
func TestHistoryExportLinkKeepsTheFilter(t *testing.T) {
	a := startApp(t, appOpts{})
	seedHistory(t, a)
	admin := client(t)
	signIn(t, admin, a.URL, "admin")
	_, page := get(t, admin, a.URL+"/console/sessions/history?q=orgb%2FB001&from=2026-12-02")
	m := regexp.MustCompile(`id="export" href="([^"]+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no export link")
	}
	link := strings.ReplaceAll(m[1], "&amp;", "&")
	if link != "/console/sessions/history.csv?q=orgb%2fB001&state=&from=2026-12-02&to=" {
		t.Errorf("export link %q", link)
	}
	_, body := get(t, admin, a.URL+link)
	if lines := strings.Split(strings.TrimSpace(body), "\n"); len(lines) != 2 || !strings.HasPrefix(lines[1], "nas-b/4,") {
		t.Errorf("export of orgb/B001 since 2 December:\n%s", body)
	}
}

// TestVenueTypesInThePageLanguage: the standard Wi-Fi.HK venue types show
// in Chinese on the venue list, its type filter and the venue's page; the
// filter still sends the English type the registry keeps.
func TestVenueTypesInThePageLanguage(t *testing.T) {
	a := startApp(t, appOpts{})
	if _, err := a.Registry.AddVenue(hotspots.Venue{Org: "orga", LocationID: "TB1", NameEN: "Kiosk", TypeEN: "Telephone Booths",
		AddressEN: "3 Test Road", Latitude: 22.2780, Longitude: 114.1750, SSID: "WiFi@HK", Hotspots: 1}); err != nil {
		t.Fatal(err)
	}
	admin := client(t)
	signIn(t, admin, a.URL, "admin")
	_, list := get(t, admin, a.URL+"/console/venues?lang=zh-Hant&type=Telephone+Booths")
	for _, want := range []string{`<td>電話亭</td>`, `<option value="Telephone Booths" selected>電話亭</option>`} {
		if !strings.Contains(list, want) {
			t.Errorf("zh-Hant venue list lacks %s", want)
		}
	}
	if strings.Contains(list, "Venue of orga") {
		t.Error("the type filter let a library through")
	}
	if _, page := get(t, admin, a.URL+"/console/venues/orga/TB1?lang=zh-Hans"); !strings.Contains(page, "<dd>电话亭</dd>") {
		t.Error("zh-Hans venue page does not name the type in Chinese")
	}
	if _, page := get(t, admin, a.URL+"/console/venues/orga/A001?lang=zh-Hant"); !strings.Contains(page, "<dd>Library</dd>") {
		t.Error("a type outside the standard list is not kept as given")
	}
}
