package radius

import (
	"sync"
	"time"

	"github.com/wifihk/wifihk/hotspots"
)

// planCache remembers each NAS's plan for a short while: the plan is read
// from the registry (a venue and a plan record) on every Access-Request
// otherwise, and plans change rarely. A changed plan applies to new logins
// within ttl.
type planCache struct {
	src Plans
	ttl time.Duration
	mu  sync.Mutex
	m   map[string]cachedPlan
}

type cachedPlan struct {
	plan    hotspots.Plan
	hotspot string // a NAS moved to another venue is looked up again
	until   time.Time
}

func newPlanCache(src Plans, ttl time.Duration) *planCache {
	return &planCache{src: src, ttl: ttl, m: map[string]cachedPlan{}}
}

func (c *planCache) PlanForNAS(n hotspots.NAS, def hotspots.Plan) hotspots.Plan {
	now := time.Now()
	c.mu.Lock()
	e, ok := c.m[n.ID]
	c.mu.Unlock()
	if ok && e.hotspot == n.Hotspot && now.Before(e.until) {
		return e.plan
	}
	p := c.src.PlanForNAS(n, def)
	c.mu.Lock()
	if len(c.m) > 100_000 {
		clear(c.m)
	}
	c.m[n.ID] = cachedPlan{plan: p, hotspot: n.Hotspot, until: now.Add(c.ttl)}
	c.mu.Unlock()
	return p
}
