package hotspots_test

import (
	"errors"
	"testing"
	"time"

	"github.com/wifihk/wifihk/hotspots"
)

// An edit replaces a realm in place: its match (a rename), servers in a
// new order, flags; a UDP server given without a secret keeps its own,
// so its route is unchanged; another organisation's realm is not found,
// and bad input is refused as AddRealm refuses it, changing nothing.
func TestUpdateRealm(t *testing.T) {
	r := newRegistry(t)
	addOrg(t, r, "uni")
	addOrg(t, r, "other")
	a, b := server("127.0.0.1:1000"), server("127.0.0.1:1002")
	b.Secret = "second-secret"
	created, err := r.AddRealm(hotspots.RealmInput{Name: "uni.example", Org: "uni", Servers: []hotspots.HomeServerInput{a, b}})
	if err != nil {
		t.Fatal(err)
	}
	before, _ := r.RouteRealm("uni.example")
	c := server("127.0.0.1:1004")
	c.Secret = "third-secret"
	keepB := b
	keepB.Secret = "" // keeps b's
	if _, err := r.UpdateRealm("other", "uni.example", hotspots.RealmInput{Name: "uni.example", Servers: []hotspots.HomeServerInput{c}}); !errors.Is(err, hotspots.ErrNotFound) {
		t.Fatalf("another organisation's realm: %v", err)
	}
	for _, bad := range []hotspots.RealmInput{
		{Name: "uni..example", Servers: []hotspots.HomeServerInput{c}},
		{Name: "uni.example", Servers: []hotspots.HomeServerInput{{Address: "127.0.0.1:1006"}}}, // a new server needs a secret
		{Name: "uni.example"},
	} {
		if _, err := r.UpdateRealm("uni", "uni.example", bad); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
	rl, err := r.UpdateRealm("uni", "uni.example", hotspots.RealmInput{Name: "*.uni.example", Org: "other", NoStrip: true, ForwardAcct: true,
		Servers: []hotspots.HomeServerInput{keepB, c}})
	if err != nil {
		t.Fatal(err)
	}
	if rl.Name != "*.uni.example" || rl.Kind != hotspots.RealmSuffix || rl.Org != "uni" || !rl.NoStrip || !rl.ForwardAcct || !rl.Created.Equal(created.Created) {
		t.Fatalf("updated %+v", rl)
	}
	if _, ok := r.RouteRealm("uni.example"); ok {
		t.Error("the old match still routes")
	}
	rt, ok := r.RouteRealm("cs.uni.example")
	if !ok || len(rt.Servers) != 2 || rt.Servers[0] != before.Servers[1] || rt.Servers[1].Secret != "third-secret" {
		t.Fatalf("route after the edit %+v\nunchanged server before %+v", rt.Servers, before.Servers[1])
	}
	all, _ := r.ListRealms("")
	if len(all) != 1 || all[0].Servers[0].SecretSealed != created.Servers[1].SecretSealed {
		t.Errorf("kept secret resealed, or realms %+v", all)
	}
	if _, err := r.UpdateRealm("uni", "*.uni.example", hotspots.RealmInput{Name: "wifi.hk", Local: true}); err != nil {
		t.Fatalf("to a local realm: %v", err)
	}
	if _, err := r.UpdateRealm("", "wifi.hk", hotspots.RealmInput{Name: "dyn.example", Discovery: &hotspots.DiscoveryInput{Timeout: time.Second}}); err != nil {
		t.Fatalf("to a dynamic realm: %v", err)
	}
	if rt, ok := r.RouteRealm("dyn.example"); !ok || rt.Discovery == nil || rt.Discovery.Timeout != time.Second {
		t.Errorf("dynamic route %+v", rt)
	}
}
