package radius

import (
	"time"

	layeh "layeh.com/radius"
	"layeh.com/radius/rfc2865"
	"layeh.com/radius/rfc2869"
	"layeh.com/radius/vendors/wispr"

	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/internal/visitors"
	"github.com/wifihk/wifihk/radius/vendors/chillispot"
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
func (g grant) attributes() layeh.Attributes {
	p := &layeh.Packet{}
	pl := g.plan
	if g.sessionTimeout > 0 {
		rfc2865.SessionTimeout_Add(p, rfc2865.SessionTimeout(g.sessionTimeout))
	}
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
	rfc2865.Class_AddString(p, g.class)
	return p.Attributes
}
