package radius

import (
	"sync"
	"time"

	"github.com/wifihk/wifihk/hotspots"
)

// planCache remembers each NAS's plan: otherwise the plan is read from the
// registry (a venue and a plan record) on every Access-Request, and plans
// change rarely. An entry is dropped when the registry's data version moves
// (a venue or organisation changed, e.g. a venue got another plan) and
// after ttl, so an edit of the plan itself reaches new logins within ttl.
type planCache struct {
	src Plans
	ver func() uint64 // the registry's DataVersion, when it has one
	ttl time.Duration
	mu  sync.Mutex
	m   map[string]cachedPlan
}

type cachedPlan struct {
	plan    hotspots.Plan
	hotspot string // a NAS moved to another venue is looked up again
	version uint64
	until   time.Time
}

// versioned is a Plans that says when its venues change;
// hotspots.Registry is one.
type versioned interface{ DataVersion() uint64 }

func newPlanCache(src Plans, ttl time.Duration) *planCache {
	c := &planCache{src: src, ttl: ttl, m: map[string]cachedPlan{}, ver: func() uint64 { return 0 }}
	if v, ok := src.(versioned); ok {
		c.ver = v.DataVersion
	}
	return c
}

func (c *planCache) PlanForNAS(n hotspots.NAS, def hotspots.Plan) hotspots.Plan {
	now, ver := time.Now(), c.ver()
	c.mu.Lock()
	e, ok := c.m[n.ID]
	c.mu.Unlock()
	if ok && e.hotspot == n.Hotspot && e.version == ver && now.Before(e.until) {
		return e.plan
	}
	p := c.src.PlanForNAS(n, def)
	c.mu.Lock()
	if len(c.m) > 100_000 {
		clear(c.m)
	}
	c.m[n.ID] = cachedPlan{plan: p, hotspot: n.Hotspot, version: ver, until: now.Add(c.ttl)}
	c.mu.Unlock()
	return p
}
