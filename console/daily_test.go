package console_test

import (
	"encoding/csv"
	"errors"
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

// seedHistory gives orga and orgb a NAS each and sessions over three
// days: open and closed, one with a user name a spreadsheet would run.
func seedHistory(t testing.TB, a *testApp) {
	t.Helper()
	for _, n := range []hotspots.NASInput{
		{Name: "nas-a", IP: "127.0.0.2", Secret: "secret-a", Hotspot: "orga/A001"},
		{Name: "nas-b", IP: "127.0.0.3", Secret: "secret-b", Hotspot: "orgb/B001"},
	} {
		if _, err := a.Registry.AddNAS(n); err != nil {
			t.Fatal(err)
		}
	}
	st := accounting.New(a.DB)
	day := func(d, h int) time.Time { return time.Date(2026, 12, d, h, 0, 0, 0, time.UTC) } // 08:00 HKT + h
	for _, u := range []accounting.Update{
		{NAS: "nas-a", AcctID: "1", Status: accounting.Start, Username: "alice", MAC: "02:aa:00:00:00:01", At: day(1, 1)},
		{NAS: "nas-a", AcctID: "1", Status: accounting.Stop, Username: "alice", MAC: "02:aa:00:00:00:01", At: day(1, 2), SessionTime: 3600, TerminateCause: "User-Request"},
		{NAS: "nas-a", AcctID: "2", Status: accounting.Start, Username: "=HYPERLINK(\"x\")", MAC: "02:bb:00:00:00:02", At: day(2, 1)},
		{NAS: "nas-a", AcctID: "3", Status: accounting.Start, Username: "fp-ABCDEFGHIJKLMNOPQRSTUVWXYZ234567ABCDEFGH", MAC: "02:dd:00:00:00:04", At: day(3, 1)},
		{NAS: "nas-b", AcctID: "4", Status: accounting.Start, Username: "carol", MAC: "02:cc:00:00:00:03", At: day(2, 3)},
	} {
		if _, err := st.Apply(u); err != nil {
			t.Fatal(err)
		}
	}
}

var sessionRowRE = regexp.MustCompile(`data-session="([^"]+)"`)

func sessionIDs(page string) string {
	var got []string
	for _, m := range sessionRowRE.FindAllStringSubmatch(page, -1) {
		got = append(got, m[1])
	}
	return strings.Join(got, " ")
}

func TestSessionHistoryFiltersScopeAndExport(t *testing.T) {
	a := startApp(t, appOpts{})
	seedHistory(t, a)
	admin, op := client(t), client(t)
	signIn(t, admin, a.URL, "admin")
	signIn(t, op, a.URL, "op-a")
	for _, tc := range []struct {
		who   string
		query string
		want  string
	}{
		{"admin", "", "nas-a/3 nas-b/4 nas-a/2 nas-a/1"}, // newest first
		{"admin", "state=closed", "nas-a/1"},
		{"admin", "state=open&q=02:CC", "nas-b/4"},
		{"admin", "from=2026-12-02&to=2026-12-02", "nas-b/4 nas-a/2"},
		{"admin", "from=2026-12-03", "nas-a/3"},
		{"admin", "q=orgb/B001", "nas-b/4"},
		{"op-a", "", "nas-a/3 nas-a/2 nas-a/1"}, // never orgb's
		{"op-a", "q=carol", ""},
	} {
		c := map[string]*http.Client{"admin": admin, "op-a": op}[tc.who]
		code, page := get(t, c, a.URL+"/console/sessions/history?"+tc.query)
		if got := sessionIDs(page); code != 200 || got != tc.want {
			t.Errorf("%s ?%s: %d %q, want %q", tc.who, tc.query, code, got, tc.want)
		}
	}
	// A free pass reads as what it is, with its device.
	if _, page := get(t, op, a.URL+"/console/sessions/history?q=02:dd"); !strings.Contains(page, "free – device 02:dd:00:00:00:04") {
		t.Errorf("free pass not shown as one:\n%s", page)
	}
	// Junk in the form is refused with words, in the page's language.
	for _, tc := range []struct{ query, want string }{
		{"from=2026-13-01", "YYYY-MM-DD"},
		{"to=yesterday", "YYYY-MM-DD"},
		{"from=2026-12-03&to=2026-12-01", "before the start"},
		{"state=maybe", "open, closed or all"},
		{"q=" + strings.Repeat("x", 101), "too long"},
		{"q=a%00b", "control characters"},
		{"from=1999-12-31&lang=zh-Hant", "日期格式"},
	} {
		code, page := get(t, admin, a.URL+"/console/sessions/history?"+tc.query)
		if code != http.StatusBadRequest || !strings.Contains(page, tc.want) || sessionIDs(page) != "" {
			t.Errorf("?%s: %d, want 400 saying %q", tc.query, code, tc.want)
		}
	}
	// The export: the archive's CSV format, the operator's sessions only,
	// filtered as the page is, formulas made inert.
	res, err := op.Get(a.URL + "/console/sessions/history.csv?state=open")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	rows, err := csv.NewReader(res.Body).ReadAll()
	if err != nil || res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(res.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("export: %d %v %v", res.StatusCode, res.Header, err)
	}
	if len(rows) != 3 || rows[0][0] != "id" || rows[1][0] != "nas-a/3" || rows[2][0] != "nas-a/2" || rows[2][3] != `'=HYPERLINK("x")` {
		t.Errorf("export rows: %q", rows)
	}
	if code, _ := get(t, admin, a.URL+"/console/sessions/history.csv?to=junk"); code != http.StatusBadRequest {
		t.Errorf("export with a bad date: %d", code)
	}
	entries, err := a.Registry.AuditLog("orga", 0, 10)
	if err != nil || len(entries) == 0 || entries[0].Action != "session.export" {
		t.Errorf("export not audited: %+v %v", entries, err)
	}
}

func TestVoucherBatchesListedAndRevoked(t *testing.T) {
	a := startApp(t, appOpts{})
	op := client(t)
	signIn(t, op, a.URL, "op-a")
	_, page := get(t, op, a.URL+"/console/vouchers")
	if !strings.Contains(page, "No batches yet.") {
		t.Errorf("empty list:\n%s", page)
	}
	res, body := post(t, op, page, a.URL+"/console/vouchers", url.Values{"count": {"3"}, "minutes": {"30"}, "uses": {"2"}, "valid_days": {"7"}, "note": {"front desk"}})
	m := regexp.MustCompile(`href="/console/vouchers/(vb-\d+)"`).FindStringSubmatch(body)
	codes := regexp.MustCompile(`<p class="vcode">([A-Z0-9]{5}-[A-Z0-9]{5})</p>`).FindAllStringSubmatch(body, -1)
	if res.StatusCode != 200 || m == nil || len(codes) != 3 {
		t.Fatalf("generate: %d", res.StatusCode)
	}
	id := m[1]
	vis := visitors.New(a.DB, a.Sealer)
	code0, _ := visitors.NormalizeVoucher(codes[0][1])
	if err := vis.Consume(mustVoucher(t, vis, code0).Username); err != nil {
		t.Fatal(err)
	}
	_, list := get(t, op, a.URL+"/console/vouchers")
	row := regexp.MustCompile(`(?s)<tr data-batch="` + id + `">.*?</tr>`).FindString(list)
	if !strings.Contains(row, "front desk") || !strings.Contains(row, `<td class="n">3</td><td class="n">1</td><td class="n">3</td>`) {
		t.Errorf("batch row (3 codes, 1 used, 3 usable): %s", row)
	}
	// Another organisation's operator neither lists nor revokes it.
	other := client(t)
	signIn(t, other, a.URL, "op-b")
	_, otherList := get(t, other, a.URL+"/console/vouchers")
	if strings.Contains(otherList, id) {
		t.Error("orgb's operator lists orga's batch")
	}
	if res, _ := post(t, other, otherList, a.URL+"/console/vouchers/"+id+"/revoke", url.Values{}); res.StatusCode != http.StatusNotFound {
		t.Errorf("orgb's operator revoking orga's batch: %d", res.StatusCode)
	}
	_, batch := get(t, op, a.URL+"/console/vouchers/"+id)
	if !strings.Contains(batch, `id="revoke"`) || !strings.Contains(batch, "3 codes: 1 used, 3 still usable.") {
		t.Fatalf("batch page:\n%s", batch)
	}
	if res, _ := post(t, op, "", a.URL+"/console/vouchers/"+id+"/revoke", url.Values{"csrf": {"forged"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("revoke without the form's token: %d", res.StatusCode)
	}
	if _, err := vis.Voucher(code0); err != nil {
		t.Fatalf("before revoke: %v", err)
	}
	confirm := confirmStep(t, op, batch, a.URL+"/console/vouchers/"+id+"/revoke", url.Values{})
	if !strings.Contains(confirm, "Revoke batch "+id+" (3 of 3 codes still usable)?") {
		t.Errorf("the confirmation does not say what it revokes:\n%s", confirm)
	}
	if _, err := vis.Voucher(code0); err != nil {
		t.Fatalf("revoked before it was confirmed: %v", err)
	}
	res, _ = post(t, op, confirm, a.URL+"/console/vouchers/"+id+"/revoke", url.Values{"confirm": {"yes"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/console/vouchers/"+id {
		t.Fatalf("revoke: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	for _, c := range codes {
		n, _ := visitors.NormalizeVoucher(c[1])
		if _, err := vis.Voucher(n); !errors.Is(err, visitors.ErrDisabled) {
			t.Errorf("code %s after revoke: %v, want disabled", c[1], err)
		}
	}
	_, batch = get(t, op, a.URL+"/console/vouchers/"+id)
	if !strings.Contains(batch, `id="revoked"`) || !strings.Contains(batch, "by staff:op-a") || strings.Contains(batch, `id="revoke"`) {
		t.Errorf("revoked batch page:\n%s", batch)
	}
	if n, err := vis.RevokeVoucherBatch(id, "again"); err != nil || n != 0 {
		t.Errorf("second revoke: %d %v, want 0 codes", n, err)
	}
	entries, _ := a.Registry.AuditLog("orga", 0, 5)
	if len(entries) == 0 || entries[0].Action != "voucher.revoke" || entries[0].Detail != "3 codes" {
		t.Errorf("audit: %+v", entries)
	}
}

func mustVoucher(t *testing.T, s *visitors.Store, code string) visitors.Credential {
	t.Helper()
	c, err := s.Voucher(code)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
