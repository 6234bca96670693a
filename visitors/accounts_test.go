package visitors_test

import (
	"errors"
	"testing"
	"time"

	"github.com/wifihk/wifihk/visitors"
)

// TestDisableAndDeleteAccount: a disabled account is refused at logon
// through the RADIUS server's cached reader and works again once enabled;
// a deleted one is unknown; vouchers and one-time codes are not accounts.
func TestDisableAndDeleteAccount(t *testing.T) {
	st, r := newCachedReader(t)
	if _, err := st.AddAccount(visitors.AccountInput{Username: "alice", Password: "password-1", Org: "orga"}); err != nil {
		t.Fatal(err)
	}
	if c, err := r.Get("alice"); err != nil || c.Usable(time.Now()) != nil { // cached now
		t.Fatalf("new account: %+v %v", c, err)
	}
	c, err := st.SetAccountDisabled("alice", true)
	if err != nil || !c.Disabled || c.Org != "orga" || c.PasswordHash == "" {
		t.Fatalf("disable: %+v %v", c, err)
	}
	if c, err := r.Get("alice"); err != nil || !errors.Is(c.Usable(time.Now()), visitors.ErrDisabled) {
		t.Fatalf("disabled account as RADIUS reads it: %+v %v", c, err)
	}
	if c, err := st.SetAccountDisabled("alice", false); err != nil || c.Disabled {
		t.Fatalf("enable: %+v %v", c, err)
	}
	if c, err := r.Get("alice"); err != nil || c.Usable(time.Now()) != nil {
		t.Fatalf("enabled again: %+v %v", c, err)
	}
	if err := st.DeleteAccount("alice"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Get("alice"); !errors.Is(err, visitors.ErrUnknown) {
		t.Fatalf("deleted account: %v", err)
	}
	if err := st.DeleteAccount("alice"); !errors.Is(err, visitors.ErrUnknown) {
		t.Fatalf("second delete: %v", err)
	}
	if _, err := st.SetAccountDisabled("alice", true); !errors.Is(err, visitors.ErrUnknown) {
		t.Fatalf("disable a deleted account: %v", err)
	}
	if err := st.Insert(visitors.Credential{Username: "ot", Kind: visitors.KindOneTime, UsesLeft: 1}); err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteAccount("ot"); !errors.Is(err, visitors.ErrUnknown) {
		t.Fatalf("a one-time code deleted as an account: %v", err)
	}
	if _, err := st.SetAccountDisabled("ot", true); !errors.Is(err, visitors.ErrUnknown) {
		t.Fatalf("a one-time code disabled as an account: %v", err)
	}
}
