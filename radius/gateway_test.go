package radius

import (
	"context"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/visitors"
)

// A portal-issued credential for an openNDS gateway goes through the
// checks of an Access-Request: password, device, uses left.
func TestAuthorizeGateway(t *testing.T) {
	h := newHarness(t, hotspots.MARequire)
	plan := hotspots.DefaultPlan()
	plan.SessionTimeout = 1800
	auth, err := NewAuthenticator(AuthConfig{Credentials: h.vis, Sessions: h.sess, Plans: h.reg, DefaultPlan: plan,
		Metrics: NewMetrics(prometheus.NewRegistry())})
	if err != nil {
		t.Fatal(err)
	}
	nas, ok := h.reg.LookupNAS("test-nas")
	if !ok {
		t.Fatal("no test-nas")
	}
	const mac = "02:aa:bb:cc:dd:01"
	c, secret, err := h.vis.IssueOneTime(visitors.OneTimeInput{MAC: mac, NAS: nas.ID})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, tc := range []struct {
		name, user, pw, mac, refused string
	}{
		{"wrong password", c.Username, secret + "x", mac, rejectPassword},
		{"another device", c.Username, secret, "02-AA-BB-CC-DD-02", rejectWrongDevice},
		{"unknown", "nobody", secret, mac, rejectUnknown},
		{"admitted", c.Username, secret, "02-AA-BB-CC-DD-01", ""},
		{"used up", c.Username, secret, mac, rejectUnusable},
	} {
		g, refused, err := auth.AuthorizeGateway(ctx, nas, tc.user, tc.pw, tc.mac)
		if err != nil || refused != tc.refused {
			t.Fatalf("%s: refused %q, err %v; want %q", tc.name, refused, err, tc.refused)
		}
		if refused == "" && (g.Plan.Name != plan.Name || g.SessionTimeout <= 0 || g.SessionTimeout > plan.SessionTimeout || !strings.HasPrefix(g.Class, "whk1:")) {
			t.Fatalf("%s: %+v; want plan %q, a session timeout of at most %d and our Class", tc.name, g, plan.Name, plan.SessionTimeout)
		}
	}
}
