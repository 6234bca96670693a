package controller

import (
	"errors"
	"fmt"

	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/staff"
)

// Demo staff account for the console's first look.
const (
	DemoStaffUser     = "admin"
	DemoStaffPassword = "wifihk-demo"
)

// Demo seeds what a first look needs: a NAS for 127.0.0.1 with secret
// testing123, a visitor demo/demo1234, a console admin admin/wifihk-demo,
// a few hotspots in several districts, and a self-signed certificate for
// HTTPS unless one is configured. Seeding twice changes nothing.
func (a *App) Demo() error {
	for _, seed := range []func() error{a.demoTLS, a.demoVenues, a.demoNAS, a.demoVisitors, a.demoStaff} {
		if err := seed(); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
	}
	return nil
}

func (a *App) demoNAS() error {
	_, err := a.Registry.AddNAS(hotspots.NASInput{
		Name: "demo-localhost", IP: "127.0.0.1", Secret: "testing123",
		Identifier: "demo", UAMSecret: "uamsecret", Hotspot: DemoNASVenue,
	})
	if errors.Is(err, hotspots.ErrNASExists) {
		return nil
	}
	return err
}

func (a *App) demoStaff() error {
	_, _, err := a.Staff.AddStaff(staff.StaffInput{Username: DemoStaffUser, Role: staff.RoleAdmin, Password: DemoStaffPassword})
	if errors.Is(err, staff.ErrExists) {
		return nil
	}
	return err
}
