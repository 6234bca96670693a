package auth_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/wifihk/wifihk/internal/auth"
	"github.com/wifihk/wifihk/internal/storetest"
)

func newService(t *testing.T) *auth.Service {
	return auth.New(storetest.Open(t), auth.Options{BcryptCost: bcrypt.MinCost,
		OrgExists: func(c string) bool { return c == "orga" || c == "orgb" }})
}

func TestAddStaffValidatesAndNamesTheField(t *testing.T) {
	s := newService(t)
	for _, tc := range []struct {
		in    auth.StaffInput
		field string
	}{
		{auth.StaffInput{Username: "Bad Name", Role: auth.RoleAdmin}, "username"},
		{auth.StaffInput{Username: "ann", Role: "boss"}, "role"},
		{auth.StaffInput{Username: "ann", Role: auth.RoleOperator}, "org"},
		{auth.StaffInput{Username: "ann", Role: auth.RoleOperator, Org: "nope"}, "org"},
		{auth.StaffInput{Username: "ann", Role: auth.RoleAdmin, Org: "orga"}, "org"},
		{auth.StaffInput{Username: "ann", Role: auth.RoleAdmin, Password: "short"}, "password"},
	} {
		_, _, err := s.AddStaff(tc.in)
		var fe *auth.FieldError
		if !errors.As(err, &fe) || fe.Field != tc.field {
			t.Errorf("%+v: got %v, want a field error on %s", tc.in, err, tc.field)
		}
	}
}

func TestTokenAuthAndRotation(t *testing.T) {
	s := newService(t)
	st, token, err := s.AddStaff(auth.StaffInput{Username: "op", Role: auth.RoleOperator, Org: "orga"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(st.TokenHash, token) || st.TokenHash == token || !strings.HasPrefix(token, "whs_") {
		t.Fatalf("token %q stored as %q", token, st.TokenHash)
	}
	p, err := s.Authenticate(token)
	if err != nil || p.Username != "op" || p.Org != "orga" || p.Role != auth.RoleOperator {
		t.Fatalf("authenticate: %+v %v", p, err)
	}
	if _, _, err := s.AddStaff(auth.StaffInput{Username: "op", Role: auth.RoleViewer}); !errors.Is(err, auth.ErrExists) {
		t.Fatalf("duplicate: %v", err)
	}
	fresh, err := s.RotateToken("op")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(token); !errors.Is(err, auth.ErrUnauthenticated) {
		t.Fatalf("old token after rotation: %v", err)
	}
	if _, err := s.Authenticate(fresh); err != nil {
		t.Fatalf("new token: %v", err)
	}
	disabled := true
	s.UpdateStaff("op", auth.StaffUpdate{Disabled: &disabled})
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
	if _, _, err := s.AddStaff(auth.StaffInput{Username: "ann", Role: auth.RoleAdmin, Password: "correct horse"}); err != nil {
		t.Fatal(err)
	}
	s.AddStaff(auth.StaffInput{Username: "bot", Role: auth.RoleViewer})
	if _, err := s.Login("bot", ""); !errors.Is(err, auth.ErrUnauthenticated) {
		t.Fatalf("a token-only account logged in: %v", err)
	}
	if _, err := s.Login("ann", "wrong horse"); !errors.Is(err, auth.ErrUnauthenticated) {
		t.Fatalf("wrong password: %v", err)
	}
	sess, err := s.Login("ann", "correct horse")
	if err != nil || sess.Principal.Role != auth.RoleAdmin || !sess.Expires.After(time.Now()) {
		t.Fatalf("login: %+v %v", sess, err)
	}
	// The session works as a cookie, not as an API token.
	req := httptest.NewRequest("GET", "/", nil)
	rec := httptest.NewRecorder()
	auth.SetCookie(rec, req, sess)
	req.AddCookie(rec.Result().Cookies()[0])
	if p, err := s.FromRequest(req); err != nil || p.Via != "session" {
		t.Fatalf("cookie: %+v %v", p, err)
	}
	if _, err := s.Authenticate(sess.Token); err == nil {
		t.Fatal("a session token works as an API token")
	}
	s.Logout(sess.Token)
	if _, err := s.FromRequest(req); err == nil {
		t.Fatal("session still works after logout")
	}
	for i := 0; i < 5; i++ {
		s.Login("ann", "wrong horse")
	}
	if _, err := s.Login("ann", "correct horse"); !errors.Is(err, auth.ErrThrottled) {
		t.Fatalf("after 5 failures: %v", err)
	}
}

func TestScopes(t *testing.T) {
	op := auth.Principal{Role: auth.RoleOperator, Org: "orga"}
	viewA := auth.Principal{Role: auth.RoleViewer, Org: "orga"}
	view := auth.Principal{Role: auth.RoleViewer}
	admin := auth.Principal{Role: auth.RoleAdmin}
	for _, tc := range []struct {
		p           auth.Principal
		org         string
		read, write bool
	}{
		{op, "orga", true, true}, {op, "orgb", false, false}, {op, "", true, false},
		{viewA, "orga", true, false}, {viewA, "orgb", false, false},
		{view, "orgb", true, false}, {admin, "orgb", true, true}, {admin, "", true, true},
	} {
		if tc.p.CanRead(tc.org) != tc.read || tc.p.CanWrite(tc.org) != tc.write {
			t.Errorf("%+v on %q: read %v write %v", tc.p, tc.org, tc.p.CanRead(tc.org), tc.p.CanWrite(tc.org))
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
		if got := auth.SameOrigin(r); got != tc.want {
			t.Errorf("%+v: got %v", tc, got)
		}
	}
}
