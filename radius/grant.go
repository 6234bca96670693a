package radius

import (
	"sync"
	"time"

	layeh "layeh.com/radius"
	"layeh.com/radius/rfc2865"
	"layeh.com/radius/rfc2869"
	"layeh.com/radius/vendors/wispr"

	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/radius/vendors/chillispot"
	"github.com/wifihk/wifihk/visitors"
)

// grant is what an Access-Accept gives: the visitor's plan, cut short by
// the credential's expiry, and a Class that ties accounting back to it.
type grant struct {
	plan           hotspots.Plan
	sessionTimeout int // seconds, 0 = none
	class          string
}

func newGrant(plan hotspots.Plan, c visitors.Credential, now time.Time) grant {
	g := grant{plan: plan, sessionTimeout: plan.SessionTimeout}
	if !c.ExpiresAt.IsZero() {
		left := int(c.ExpiresAt.Sub(now).Seconds())
		if g.sessionTimeout == 0 || left < g.sessionTimeout {
			g.sessionTimeout = max(left, 1)
		}
	}
	// Class: "whk1:" grant ID ":" plan name; the NAS echoes it in every
	// accounting packet of the session (RFC 2865 §5.25).
	g.class = "whk1:" + newGrantID() + ":" + plan.Name
	if len(g.class) > 253 {
		g.class = g.class[:253]
	}
	return g
}

// attributes are the reply attributes, each only when the plan sets it.
// The plan's own attributes come encoded from pc, shared and read-only.
func (g grant) attributes(pc *planAttrCache) layeh.Attributes {
	p := &layeh.Packet{}
	if g.sessionTimeout > 0 {
		rfc2865.SessionTimeout_Add(p, rfc2865.SessionTimeout(g.sessionTimeout))
	}
	fixed := pc.get(g.plan)
	attrs := make(layeh.Attributes, 0, len(p.Attributes)+len(fixed)+1)
	attrs = append(attrs, p.Attributes...)
	attrs = append(attrs, fixed...)
	return append(attrs, &layeh.AVP{Type: rfc2865.Class_Type, Attribute: layeh.Attribute(g.class)})
}

// planAttrKey is what a plan's fixed reply attributes depend on.
type planAttrKey struct {
	idle, interim, up, down int
	capMB                   int64
}

// planAttrCache keeps each plan's fixed reply attributes, so an
// Access-Accept does not build a dozen attributes and vendor wrappers.
type planAttrCache struct{ m sync.Map } // planAttrKey -> layeh.Attributes

func (pc *planAttrCache) get(pl hotspots.Plan) layeh.Attributes {
	k := planAttrKey{pl.IdleTimeout, pl.InterimInterval, pl.BandwidthUpKbps, pl.BandwidthDownKbps, pl.DataCapMB}
	if a, ok := pc.m.Load(k); ok {
		return a.(layeh.Attributes)
	}
	a := planAttributes(pl)
	pc.m.Store(k, a)
	return a
}

// planAttributes builds the plan's reply attributes other than
// Session-Timeout and Class.
func planAttributes(pl hotspots.Plan) layeh.Attributes {
	p := &layeh.Packet{}
	if pl.IdleTimeout > 0 {
		rfc2865.IdleTimeout_Add(p, rfc2865.IdleTimeout(pl.IdleTimeout))
	}
	if pl.InterimInterval > 0 {
		rfc2869.AcctInterimInterval_Add(p, rfc2869.AcctInterimInterval(pl.InterimInterval))
	}
	if pl.BandwidthUpKbps > 0 {
		wispr.WISPrBandwidthMaxUp_Add(p, wispr.WISPrBandwidthMaxUp(pl.BandwidthUpKbps*1000))
		chillispot.ChilliSpotBandwidthMaxUp_Add(p, chillispot.ChilliSpotBandwidthMaxUp(pl.BandwidthUpKbps))
	}
	if pl.BandwidthDownKbps > 0 {
		wispr.WISPrBandwidthMaxDown_Add(p, wispr.WISPrBandwidthMaxDown(pl.BandwidthDownKbps*1000))
		chillispot.ChilliSpotBandwidthMaxDown_Add(p, chillispot.ChilliSpotBandwidthMaxDown(pl.BandwidthDownKbps))
	}
	if pl.DataCapMB > 0 {
		total := uint64(pl.DataCapMB) << 20
		chillispot.ChilliSpotMaxTotalOctets_Add(p, chillispot.ChilliSpotMaxTotalOctets(uint32(total)))
		if total>>32 > 0 {
			chillispot.ChilliSpotMaxTotalGigawords_Add(p, chillispot.ChilliSpotMaxTotalGigawords(uint32(total>>32)))
		}
	}
	return p.Attributes
}
