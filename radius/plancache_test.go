package radius

import (
	"testing"
	"time"

	"github.com/wifihk/wifihk/hotspots"
)

type countingPlans struct{ calls, version int }

func (c *countingPlans) DataVersion() uint64 { return uint64(c.version) }

func (c *countingPlans) PlanForNAS(n hotspots.NAS, def hotspots.Plan) hotspots.Plan {
	c.calls++
	def.Name = n.Hotspot + "-plan"
	return def
}

func TestPlanCache(t *testing.T) {
	src := &countingPlans{}
	c := newPlanCache(src, 50*time.Millisecond)
	n := hotspots.NAS{ID: "gw", Hotspot: "org/a"}
	for range 3 {
		if p := c.PlanForNAS(n, hotspots.DefaultPlan()); p.Name != "org/a-plan" {
			t.Fatalf("plan %q", p.Name)
		}
	}
	if src.calls != 1 {
		t.Fatalf("registry read %d times within the TTL, want 1", src.calls)
	}
	n.Hotspot = "org/b" // the NAS moved venue
	if p := c.PlanForNAS(n, hotspots.DefaultPlan()); p.Name != "org/b-plan" || src.calls != 2 {
		t.Fatalf("after a venue change: %q, %d reads", p.Name, src.calls)
	}
	src.version++ // a venue changed: read again at once
	if c.PlanForNAS(n, hotspots.DefaultPlan()); src.calls != 3 {
		t.Fatalf("after a data version change: %d reads, want 3", src.calls)
	}
	deadline := time.Now().Add(5 * time.Second)
	for c.PlanForNAS(n, hotspots.DefaultPlan()); src.calls < 4; c.PlanForNAS(n, hotspots.DefaultPlan()) {
		if time.Now().After(deadline) {
			t.Fatal("plan never read again after the TTL")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
