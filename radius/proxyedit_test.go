package radius

import (
	"strings"
	"testing"
	"time"

	layeh "layeh.com/radius"

	"github.com/wifihk/wifihk/hotspots"
)

// A realm edited in the registry while the proxy runs: the server kept
// as it was keeps its health and counters, the one left out is
// forgotten (health and /metrics) without a request, and the new one
// takes requests without a restart.
func TestProxyRealmEditKeepsUnchangedServers(t *testing.T) {
	first, second, third := newFakeHome(t), newFakeHome(t), newFakeHome(t)
	h, px := newProxyHarness(t, false, first, second)
	c := h.client(h.authAddr)
	send := func() { t.Helper(); proxiedAccept(t, c) }
	send()
	send()
	if hl := healthOf(px, first.addr()); hl.Answers != 2 {
		t.Fatalf("first server before the edit %+v", hl)
	}
	waitFor(t, "the second server in use", func() bool { return healthOf(px, second.addr()).Server != "" })
	timeout := 250 * time.Millisecond * raceSlowdown                                                                                   // as newProxyHarness gives it
	kept := hotspots.HomeServerInput{Address: first.addr().String(), AcctPort: int(first.addr().Port()), Timeout: timeout, Retries: 1} // its secret kept
	added := hotspots.HomeServerInput{Address: third.addr().String(), AcctPort: int(third.addr().Port()), Secret: homeSecret, Timeout: timeout, Retries: 1}
	if _, err := h.reg.UpdateRealm("", "operator.example", hotspots.RealmInput{Name: "operator.example", Servers: []hotspots.HomeServerInput{added, kept}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the server left out forgotten", func() bool { return healthOf(px, second.addr()).Server == "" })
	if hl := healthOf(px, first.addr()); hl.Answers != 2 || !hl.Alive {
		t.Errorf("the unchanged server lost its health: %+v", hl)
	}
	mfs, err := h.prom.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if strings.Contains(l.GetValue(), second.addr().String()) {
					t.Errorf("%s still has a series for the server left out", mf.GetName())
				}
			}
		}
	}
	send()
	if n := len(third.requests(layeh.CodeAccessRequest)); n != 1 {
		t.Errorf("the new first server got %d requests, want 1", n)
	}
	if hl := healthOf(px, first.addr()); hl.Answers != 2 {
		t.Errorf("the kept server %+v", hl)
	}
}
