package staff_test

import (
	"errors"
	"testing"

	"github.com/wifihk/wifihk/staff"
)

// TestLastAdminStays: the last active admin cannot demote, disable or
// delete itself (issue 12, defect 13); with a second admin it can.
func TestLastAdminStays(t *testing.T) {
	s := newService(t)
	for _, in := range []staff.StaffInput{{Username: "root", Role: staff.RoleAdmin},
		{Username: "ops", Role: staff.RoleOperator, Org: "orga"}} {
		if _, _, err := s.AddStaff(in); err != nil {
			t.Fatal(err)
		}
	}
	viewer, yes := staff.RoleViewer, true
	for name, change := range map[string]func() error{
		"demote":  func() error { _, err := s.UpdateStaff("root", staff.StaffUpdate{Role: &viewer}); return err },
		"disable": func() error { _, err := s.UpdateStaff("root", staff.StaffUpdate{Disabled: &yes}); return err },
		"delete":  func() error { return s.DeleteStaff("root") },
	} {
		if err := change(); !errors.Is(err, staff.ErrLastAdmin) {
			t.Errorf("%s the last admin: %v, want ErrLastAdmin", name, err)
		}
	}
	if st, err := s.Staff("root"); err != nil || st.Role != staff.RoleAdmin || st.Disabled {
		t.Fatalf("root changed anyway: %+v %v", st, err)
	}
	// The last admin may still rotate its own token and change its password.
	if _, err := s.RotateToken("root"); err != nil {
		t.Fatalf("rotate the last admin's token: %v", err)
	}
	pw := "a-new-password-1"
	if _, err := s.UpdateStaff("root", staff.StaffUpdate{Password: &pw}); err != nil {
		t.Fatalf("change the last admin's password: %v", err)
	}
	// Other accounts are not held back.
	if err := s.DeleteStaff("ops"); err != nil {
		t.Fatalf("delete an operator: %v", err)
	}
	// With a second active admin, the first may step down.
	if _, _, err := s.AddStaff(staff.StaffInput{Username: "root2", Role: staff.RoleAdmin}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateStaff("root", staff.StaffUpdate{Role: &viewer}); err != nil {
		t.Fatalf("demote with another admin: %v", err)
	}
	if err := s.DeleteStaff("root2"); !errors.Is(err, staff.ErrLastAdmin) {
		t.Fatalf("delete the new last admin: %v", err)
	}
}
