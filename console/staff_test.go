package console_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

var passwordRE = regexp.MustCompile(`<code id="new-password">([^<]+)</code>`)

func TestStaffPageAddDisableResetRemove(t *testing.T) {
	a := startApp(t, appOpts{})
	op := client(t)
	signIn(t, op, a.URL, "op-a")
	if code, page := get(t, op, a.URL+"/console/staff"); code != http.StatusForbidden || strings.Contains(page, `href="/console/staff"`) {
		t.Errorf("an operator at the staff page: %d", code)
	}
	admin := client(t)
	signIn(t, admin, a.URL, "admin")
	_, page := get(t, admin, a.URL+"/console/staff")
	if !strings.Contains(page, `data-staff="op-b"`) || !strings.Contains(page, `href="/console/staff"`) {
		t.Fatalf("staff list:\n%s", page)
	}
	if res, _ := post(t, op, page, a.URL+"/console/staff", url.Values{"username": {"sneaky"}, "role": {"admin"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("an operator adding staff: %d", res.StatusCode)
	}
	for _, tc := range []struct{ name, user, role, org, field, want string }{
		{"bad name", "No Spaces", "viewer", "", "username", "lower-case letters"},
		{"taken", "op-b", "viewer", "", "username", "taken"},
		{"operator without org", "op-c", "operator", "", "org", "needs an organisation"},
		{"admin with org", "ad-2", "admin", "orga", "org", "not limited"},
		{"no such org", "op-c", "operator", "orgz", "org", "no organisation"},
		{"junk role", "op-c", "root", "", "role", "is not admin, operator or viewer"},
	} {
		res, body := post(t, admin, page, a.URL+"/console/staff", url.Values{"username": {tc.user}, "role": {tc.role}, "org": {tc.org}})
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, tc.want) || passwordRE.MatchString(body) ||
			!regexp.MustCompile(`id="`+tc.field+`"[^>]*aria-invalid="true"`).MatchString(body) {
			t.Errorf("%s: %d, want 422 on %s saying %q", tc.name, res.StatusCode, tc.field, tc.want)
		}
	}
	res, body := post(t, admin, page, a.URL+"/console/staff", url.Values{"username": {"op-c"}, "role": {"operator"}, "org": {"orga"}})
	m := passwordRE.FindStringSubmatch(body)
	if res.StatusCode != 200 || m == nil {
		t.Fatalf("add: %d\n%s", res.StatusCode, body)
	}
	// The new operator signs in with the password shown.
	newOp := client(t)
	_, login := get(t, newOp, a.URL+"/console/login")
	if res, _ := post(t, newOp, login, a.URL+"/console/login", url.Values{"username": {"op-c"}, "password": {m[1]}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in with the shown password: %d", res.StatusCode)
	}
	if code, _ := get(t, newOp, a.URL+"/console/vouchers"); code != 200 {
		t.Errorf("new operator's vouchers page: %d", code)
	}
	// Disabled: the sign-in stops at once.
	if res, _ := post(t, admin, page, a.URL+"/console/staff/op-c/disable", url.Values{}); res.StatusCode != 200 {
		t.Fatalf("disable: %d", res.StatusCode)
	}
	if res, _ := newOp.Get(a.URL + "/console/vouchers"); res.StatusCode != http.StatusSeeOther {
		t.Errorf("a disabled account's sign-in still works: %d", res.StatusCode)
	}
	// A reset gives a new password, shown once.
	post(t, admin, page, a.URL+"/console/staff/op-c/enable", url.Values{})
	_, body = post(t, admin, page, a.URL+"/console/staff/op-c/reset", url.Values{})
	m2 := passwordRE.FindStringSubmatch(body)
	if m2 == nil || m2[1] == m[1] {
		t.Fatalf("reset: no new password")
	}
	if _, again := get(t, admin, a.URL+"/console/staff"); passwordRE.MatchString(again) {
		t.Error("the password is shown a second time")
	}
	// No acting on oneself; junk actions are not routes.
	if res, body := post(t, admin, page, a.URL+"/console/staff/admin/delete", url.Values{}); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "your own account") {
		t.Errorf("admin removing themselves: %d", res.StatusCode)
	}
	if res, _ := post(t, admin, page, a.URL+"/console/staff/op-c/promote", url.Values{}); res.StatusCode != http.StatusNotFound && res.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("unknown action: %d", res.StatusCode)
	}
	if res, _ := post(t, admin, page, a.URL+"/console/staff/nobody/delete", url.Values{}); res.StatusCode != http.StatusNotFound {
		t.Errorf("removing nobody: %d", res.StatusCode)
	}
	if res, _ := post(t, admin, page, a.URL+"/console/staff/op-c/delete", url.Values{"csrf": {"forged"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("remove without the form's token: %d", res.StatusCode)
	}
	confirm := confirmStep(t, admin, page, a.URL+"/console/staff/op-c/delete", url.Values{})
	if _, err := a.Staff.Staff("op-c"); err != nil {
		t.Fatalf("removed before it was confirmed: %v", err)
	}
	if res, body := post(t, admin, confirm, a.URL+"/console/staff/op-c/delete", url.Values{"confirm": {"yes"}}); res.StatusCode != 200 || !strings.Contains(body, "op-c is removed.") {
		t.Errorf("remove: %d", res.StatusCode)
	}
	if _, err := a.Staff.Staff("op-c"); err == nil {
		t.Error("op-c is still there")
	}
	entries, _ := a.Registry.AuditLog("", 0, 10)
	var actions []string
	for _, e := range entries {
		if e.Action != "staff.login" {
			actions = append(actions, e.Action)
		}
	}
	if got := strings.Join(actions, " "); !strings.Contains(got, "staff.delete staff.reset staff.enable staff.disable staff.create") {
		t.Errorf("audit: %s", got)
	}
}
