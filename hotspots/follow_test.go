package hotspots_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/internal/secrets"
	"github.com/wifihk/wifihk/internal/store/postgres/pgtest"
	"github.com/wifihk/wifihk/internal/storetest"
)

// Two registries on one PostgreSQL database stand for two nodes: what one
// writes, the other's memory (NAS index, plan per NAS, venue and
// organisation lists) shows within a second, without asking the database
// on each lookup.
func TestRegistryFollowsAnotherNode(t *testing.T) {
	url := pgtest.NewDB(t)
	sealer, _ := secrets.New(bytes.Repeat([]byte{9}, 32))
	node := func() *hotspots.Registry {
		r, err := hotspots.New(storetest.OpenNode(t, url), sealer)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	a, b := node(), node()
	within := func(what string, ok func() bool) {
		t.Helper()
		start := time.Now()
		for !ok() {
			if time.Since(start) > time.Second {
				t.Fatalf("not within 1 s: %s", what)
			}
			time.Sleep(2 * time.Millisecond)
		}
		t.Logf("%s: %v", what, time.Since(start))
	}
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(a.AddOrg(hotspots.Org{Code: "org", NameEN: "Org"}))
	within("organisation on B", func() bool { _, err := b.Org("org"); return err == nil })
	must(a.AddVenue(hotspots.Venue{Org: "org", LocationID: "V1", NameEN: "Hall", TypeEN: "Library",
		Latitude: 22.28, Longitude: 114.15}))
	within("venue in B's list", func() bool {
		vs, _, err := b.ListVenues(hotspots.VenueFilter{Org: "org"}, 0, 0)
		return err == nil && len(vs) == 1
	})
	must(a.AddNAS(hotspots.NASInput{Name: "gw", IP: "10.9.0.1", Secret: "s3cret-s3cret", Hotspot: "org/V1"}))
	var n hotspots.NAS
	within("NAS in B's index", func() bool {
		var ok bool
		n, ok = b.LookupNAS("gw")
		return ok
	})
	def := hotspots.DefaultPlan()
	if p := b.PlanForNAS(n, def); p.Name != def.Name { // remembered by B
		t.Fatalf("plan before: %s", p.Name)
	}
	plan := def
	plan.Name, plan.SimultaneousUse = "strict", 3
	must(a.AddPlan(plan))
	v, err := a.Venue("org/V1")
	if err != nil {
		t.Fatal(err)
	}
	v.Plan = "strict"
	must(a.UpdateVenue(v))
	within("venue's new plan on B", func() bool { return b.PlanForNAS(n, def).Name == "strict" })
	if err := a.DeleteNAS("gw"); err != nil {
		t.Fatal(err)
	}
	within("NAS gone from B's index", func() bool { _, ok := b.LookupNAS("gw"); return !ok })
}
