package console

import (
	"sort"
	"time"

	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/radius"
)

// RADIUSDrops is what this process's RADIUS servers dropped, counted in
// its memory; *radius.Drops implements it. In a cluster each node counts
// what it received, and the pages say which node's figures they show.
type RADIUSDrops interface {
	NAS(id string, now time.Time) (radius.NASDrops, bool)
	Unknown() (top []radius.UnknownSource, total int64)
	Since() time.Time
}

// dropRow is one reason a gateway's packets were dropped.
type dropRow struct {
	NAS hotspots.NAS
	radius.ReasonDrops
}

// dropsData is the drops section of the NAS page.
type dropsData struct {
	Off   bool      // no counts in this process
	Node  string    // whose counts these are
	Since time.Time // counted since
	Rows  []dropRow
	// Unknown are the busiest sources that match no gateway, for staff
	// who see every organisation; nil for the others.
	Unknown      []radius.UnknownSource
	UnknownTotal int64
	ShowUnknown  bool
}

// dropAlert is a gateway whose packets are being dropped now.
type dropAlert struct {
	NAS      hotspots.NAS
	Recent   int64  // dropped in the last 5 minutes
	Reason   string // the commonest reason among them
	LastDrop time.Time
}

// nasDrops fills the drops of the gateways rows, which the principal sees.
func (c *Console) nasDrops(v *view, rows []nasRow) dropsData {
	d := dropsData{Off: c.cfg.Drops == nil, Node: c.cfg.Node}
	if d.Off {
		return d
	}
	d.Since = c.cfg.Drops.Since()
	for i := range rows {
		got, ok := c.cfg.Drops.NAS(rows[i].ID, v.now)
		if !ok {
			continue
		}
		rows[i].DroppedHour = hourTotal(got)
		for _, r := range got.Reasons {
			d.Rows = append(d.Rows, dropRow{NAS: rows[i].NAS, ReasonDrops: r})
		}
	}
	sort.SliceStable(d.Rows, func(i, j int) bool { return d.Rows[i].Last.After(d.Rows[j].Last) })
	if d.ShowUnknown = v.User.Scope() == ""; d.ShowUnknown {
		d.Unknown, d.UnknownTotal = c.cfg.Drops.Unknown()
	}
	return d
}

func hourTotal(n radius.NASDrops) int64 {
	var sum int64
	for _, r := range n.Reasons {
		sum += r.LastHour
	}
	return sum
}

// droppingNAS finds the gateways the principal sees with more than
// DropAlert packets dropped in the last 5 minutes; the alert clears by
// itself once they stop.
func (c *Console) droppingNAS(v *view) ([]dropAlert, error) {
	all, err := c.reg.ListNAS()
	if err != nil {
		return nil, err
	}
	var out []dropAlert
	for _, n := range all {
		if !v.Sees(n.Hotspot.Org()) {
			continue
		}
		got, ok := c.cfg.Drops.NAS(n.ID, v.now)
		if !ok || got.Last5Min() <= int64(c.cfg.DropAlert) {
			continue
		}
		a := dropAlert{NAS: n, Recent: got.Last5Min(), LastDrop: got.Last}
		var most int64
		for _, r := range got.Reasons {
			if r.Last5Min > most {
				a.Reason, most = r.Reason, r.Last5Min
			}
		}
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Recent > out[j].Recent })
	return out, nil
}

// DropReason names a drop reason in the page's language.
func (v *view) DropReason(reason string) string { return v.T("drop_r_" + reason) }

// DropHint says in plain words what to do about a gateway's drops for
// reason; the NAS's name goes into the command it suggests.
func (v *view) DropHint(reason, nas string) string {
	if reason == radius.DropMissingMA {
		return v.T("drop_h_"+reason, nas)
	}
	return v.T("drop_h_" + reason)
}
