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
//
// Its venues are fictional, for tests; serve -demo seeds with
// DemoNetwork, which has the city's real venues instead.
func (a *App) Demo() error {
	nas := func() error { return a.demoNAS(DemoNASVenue) }
	return seedDemo(a.demoTLS, a.demoVenues, nas, a.demoVisitors, a.demoStaff)
}

func seedDemo(seeds ...func() error) error {
	for _, seed := range seeds {
		if err := seed(); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
	}
	return nil
}

// demoNAS seeds the demo NAS at venue, unless it is seeded.
func (a *App) demoNAS(venue hotspots.VenueKey) error {
	_, err := a.Registry.AddNAS(hotspots.NASInput{
		Name: "demo-localhost", IP: "127.0.0.1", Secret: "testing123",
		Identifier: "demo", UAMSecret: "uamsecret", Hotspot: venue,
	})
	if errors.Is(err, hotspots.ErrNASExists) {
		return nil
	}
	return err
}

func (a *App) demoStaff() error {
	if _, err := a.Staff.Staff(DemoStaffUser); err == nil {
		return nil // seeded: spare hashing the password again
	}
	_, _, err := a.Staff.AddStaff(staff.StaffInput{Username: DemoStaffUser, Role: staff.RoleAdmin, Password: DemoStaffPassword})
	if errors.Is(err, staff.ErrExists) {
		return nil
	}
	return err
}
