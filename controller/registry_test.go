package controller_test

import (
	"context"
	"crypto/hmac"
	"crypto/md5"
	"encoding/json"
	"net/http"
	"net/netip"
	"testing"
	"time"

	lr "layeh.com/radius"
	"layeh.com/radius/rfc2865"

	"github.com/wifihk/wifihk/controller"
	"github.com/wifihk/wifihk/hotspots"
)

// papRequest is a PAP Access-Request with a valid Message-Authenticator.
func papRequest(t *testing.T, secret, user, pass string) *lr.Packet {
	t.Helper()
	p := lr.New(lr.CodeAccessRequest, []byte(secret))
	rfc2865.UserName_SetString(p, user)
	rfc2865.UserPassword_SetString(p, pass)
	rfc2865.NASIdentifier_SetString(p, "demo")
	p.Set(80, make([]byte, 16)) // Message-Authenticator, zero while signing
	raw, err := p.Encode()
	if err != nil {
		t.Fatal(err)
	}
	mac := hmac.New(md5.New, []byte(secret))
	mac.Write(raw)
	p.Set(80, mac.Sum(nil))
	return p
}

func sessionTimeout(t *testing.T, a *controller.App) uint32 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	res, err := lr.Exchange(ctx, papRequest(t, "testing123", "demo", "demo1234"), a.AuthAddr.String())
	if err != nil {
		t.Fatal(err)
	}
	if res.Code != lr.CodeAccessAccept {
		t.Fatalf("got %v, want Access-Accept", res.Code)
	}
	return uint32(rfc2865.SessionTimeout_Get(res))
}

// The RADIUS server applies the plan of the venue that the asking NAS
// belongs to, and follows a change of that plan.
func TestRADIUSAppliesTheVenuePlanOfTheNAS(t *testing.T) {
	a := startDemo(t)
	n, _, _ := a.Registry.NASForAddr(mustAddr("127.0.0.1"))
	if n.Hotspot != controller.DemoNASVenue {
		t.Fatalf("demo NAS is at %q, want %q", n.Hotspot, controller.DemoNASVenue)
	}
	if got := sessionTimeout(t, a); got != uint32(a.Config.Plan.SessionTimeout) {
		t.Fatalf("venue without a plan: Session-Timeout %d, want the default %d", got, a.Config.Plan.SessionTimeout)
	}
	if _, err := a.Registry.AddPlan(hotspots.Plan{Name: "short", Kind: hotspots.PlanFreeTimed, SessionTimeout: 4321, SessionsPerDay: 9}); err != nil {
		t.Fatal(err)
	}
	v, _ := a.Registry.Venue(controller.DemoNASVenue)
	v.Plan = "short"
	if _, err := a.Registry.UpdateVenue(v); err != nil {
		t.Fatal(err)
	}
	if got := sessionTimeout(t, a); got != 4321 {
		t.Fatalf("venue plan short: Session-Timeout %d, want 4321", got)
	}
}

func TestDemoVenuesAndPublicEndpoints(t *testing.T) {
	a := startDemo(t)
	if err := a.Demo(); err != nil { // twice: changes nothing
		t.Fatal(err)
	}
	venues, total, _ := a.Registry.ListVenues(hotspots.VenueFilter{Org: "demo"}, 0, 0)
	districts := map[string]bool{}
	for _, v := range venues {
		districts[v.District] = true
		if v.LocationID == "TP-MKT" && v.District != "Tai Po" { // the nearest centroid said North
			t.Errorf("the demo's Tai Po market is in %s", v.District)
		}
	}
	if total != 6 || len(districts) < 5 {
		t.Fatalf("demo venues: %d in %d districts", total, len(districts))
	}
	base := "http://" + a.HTTPAddr.String()
	code, body := get(t, http.DefaultClient, base+"/api/v1/hotspots/nearest?lat=22.28&lon=114.19&n=1")
	var near struct{ Items []struct{ ID string } }
	json.Unmarshal([]byte(body), &near)
	if code != 200 || len(near.Items) != 1 || near.Items[0].ID != controller.DemoNASVenue {
		t.Fatalf("nearest: %d %s", code, body)
	}
	if code, _ := get(t, http.DefaultClient, base+"/opendata/hotspots.geojson"); code != 200 {
		t.Fatalf("open data: %d", code)
	}
	if code, _ := get(t, http.DefaultClient, base+"/api/v1/coverage"); code != 401 {
		t.Fatalf("coverage without a token: %d, want 401", code)
	}
}

func mustAddr(s string) netip.Addr { return netip.MustParseAddr(s) }
