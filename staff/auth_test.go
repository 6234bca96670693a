package staff_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/wifihk/wifihk/internal/input"
	"github.com/wifihk/wifihk/internal/storetest"
	"github.com/wifihk/wifihk/staff"
)

func newService(t *testing.T) *staff.Service {
	return staff.New(storetest.Open(t), staff.Options{BcryptCost: bcrypt.MinCost,
		OrgExists: func(c string) bool { return c == "orga" || c == "orgb" }})
}

func TestAddStaffValidatesAndNamesTheField(t *testing.T) {
	s := newService(t)
	for _, tc := range []struct {
		in    staff.StaffInput
		field string
	}{
		{staff.StaffInput{Username: "Bad Name", Role: staff.RoleAdmin}, "username"},
		{staff.StaffInput{Username: "ann", Role: "boss"}, "role"},
		{staff.StaffInput{Username: "ann", Role: staff.RoleOperator}, "org"},
		{staff.StaffInput{Username: "ann", Role: staff.RoleOperator, Org: "nope"}, "org"},
		{staff.StaffInput{Username: "ann", Role: staff.RoleAdmin, Org: "orga"}, "org"},
		{staff.StaffInput{Username: "ann", Role: staff.RoleAdmin, Password: "short"}, "password"},
	} {
		_, _, err := s.AddStaff(tc.in)
		var fe *input.FieldError
		if !errors.As(err, &fe) || fe.Field != tc.field {
			t.Errorf("%+v: got %v, want a field error on %s", tc.in, err, tc.field)
		}
	}
}

func TestTokenAuthAndRotation(t *testing.T) {
	s := newService(t)
	st, token, err := s.AddStaff(staff.StaffInput{Username: "op", Role: staff.RoleOperator, Org: "orga"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(st.TokenHash, token) || st.TokenHash == token || !strings.HasPrefix(token, "whs_") {
		t.Fatalf("token %q stored as %q", token, st.TokenHash)
	}
	p, err := s.Authenticate(token)
	if err != nil || p.Username != "op" || p.Org != "orga" || p.Role != staff.RoleOperator {
		t.Fatalf("authenticate: %+v %v", p, err)
	}
	if _, _, err := s.AddStaff(staff.StaffInput{Username: "op", Role: staff.RoleViewer}); !errors.Is(err, staff.ErrExists) {
		t.Fatalf("duplicate: %v", err)
	}
	fresh, err := s.RotateToken("op")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(token); !errors.Is(err, staff.ErrUnauthenticated) {
		t.Fatalf("old token after rotation: %v", err)
	}
	if _, err := s.Authenticate(fresh); err != nil {
		t.Fatalf("new token: %v", err)
	}
	disabled := true
	s.UpdateStaff("op", staff.StaffUpdate{Disabled: &disabled})
	if _, err := s.Authenticate(fresh); err == nil {
		t.Fatal("a disabled account's token still works")
	}
	s.DeleteStaff("op")
	if _, err := s.Authenticate(fresh); err == nil {
		t.Fatal("a deleted account's token still works")
	}
}

func TestLoginLogoutAndThrottle(t *testing.T) {
	s := newService(t)
	if _, _, err := s.AddStaff(staff.StaffInput{Username: "ann", Role: staff.RoleAdmin, Password: "correct horse"}); err != nil {
		t.Fatal(err)
	}
	s.AddStaff(staff.StaffInput{Username: "bot", Role: staff.RoleViewer})
	if _, err := s.Login("bot", ""); !errors.Is(err, staff.ErrUnauthenticated) {
		t.Fatalf("a token-only account logged in: %v", err)
	}
	if _, err := s.Login("ann", "wrong horse"); !errors.Is(err, staff.ErrUnauthenticated) {
		t.Fatalf("wrong password: %v", err)
	}
	signIn, err := s.Login("ann", "correct horse")
	if err != nil || signIn.Principal.Role != staff.RoleAdmin || !signIn.Expires.After(time.Now()) {
		t.Fatalf("login: %+v %v", signIn, err)
	}
	// The sign-in works as a cookie, not as an API token.
	req := httptest.NewRequest("GET", "/", nil)
	rec := httptest.NewRecorder()
	staff.SetCookie(rec, req, signIn)
	req.AddCookie(rec.Result().Cookies()[0])
	if p, err := s.FromRequest(req); err != nil || p.Via != "session" {
		t.Fatalf("cookie: %+v %v", p, err)
	}
	if _, err := s.Authenticate(signIn.Token); err == nil {
		t.Fatal("a sign-in token works as an API token")
	}
	s.Logout(signIn.Token)
	if _, err := s.FromRequest(req); err == nil {
		t.Fatal("sign-in still works after logout")
	}
	for i := 0; i < 5; i++ {
		s.Login("ann", "wrong horse")
	}
	if _, err := s.Login("ann", "correct horse"); !errors.Is(err, staff.ErrThrottled) {
		t.Fatalf("after 5 failures: %v", err)
	}
}

// owned is CanReadOwned: a record of no organisation that is kept from
// other organisations (a network-wide voucher batch) is for admins only,
// though shared data of no organisation (a network-wide plan) is for all.
func TestScopes(t *testing.T) {
	op := staff.Principal{Role: staff.RoleOperator, Org: "orga"}
	viewA := staff.Principal{Role: staff.RoleViewer, Org: "orga"}
	view := staff.Principal{Role: staff.RoleViewer}
	admin := staff.Principal{Role: staff.RoleAdmin}
	for _, tc := range []struct {
		p                  staff.Principal
		org                string
		read, write, owned bool
	}{
		{op, "orga", true, true, true}, {op, "orgb", false, false, false}, {op, "", true, false, false},
		{viewA, "orga", true, false, true}, {viewA, "orgb", false, false, false}, {viewA, "", true, false, false},
		{view, "orgb", true, false, true}, {view, "", true, false, false},
		{admin, "orgb", true, true, true}, {admin, "", true, true, true},
	} {
		if tc.p.CanRead(tc.org) != tc.read || tc.p.CanWrite(tc.org) != tc.write || tc.p.CanReadOwned(tc.org) != tc.owned {
			t.Errorf("%+v on %q: read %v write %v owned %v", tc.p, tc.org, tc.p.CanRead(tc.org), tc.p.CanWrite(tc.org), tc.p.CanReadOwned(tc.org))
		}
	}
}

func TestSameOrigin(t *testing.T) {
	for _, tc := range []struct {
		site, origin string
		want         bool
	}{
		{"same-origin", "", true}, {"cross-site", "http://h", false}, {"", "http://h", true},
		{"", "http://evil", false}, {"", "", false},
	} {
		r := httptest.NewRequest(http.MethodPost, "http://h/api/v1/x", nil)
		if tc.site != "" {
			r.Header.Set("Sec-Fetch-Site", tc.site)
		}
		if tc.origin != "" {
			r.Header.Set("Origin", tc.origin)
		}
		if got := staff.SameOrigin(r); got != tc.want {
			t.Errorf("%+v: got %v", tc, got)
		}
	}
}
