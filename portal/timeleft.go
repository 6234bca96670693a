package portal

import (
	"net/netip"
	"time"

	"github.com/wifihk/wifihk/accounting"
	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/visitors"
)

// SessionIndex finds open accounting sessions by the visitor's address or MAC;
// *accounting.Store implements it with an index in memory.
type SessionIndex interface {
	OpenByIP(ip string) ([]accounting.Session, error)
	OpenByMAC(mac string) ([]accounting.Session, error)
}

// AccountingTimeLeft finds a visitor's open session in accounting by the
// address the NAS reported (Framed-IP-Address) and, when known, the MAC,
// and works out what is left from the plan the session was granted, as
// visitors.Admit decides it.
type AccountingTimeLeft struct {
	// Sessions should be the Store that RADIUS accounting writes through,
	// whose index is current.
	Sessions SessionIndex
	Visitors *visitors.Store
	NAS      NASDirectory
	Default  hotspots.Plan
	Now      func() time.Time // default time.Now
}

// TimeLeft implements TimeLeftFinder.
func (a AccountingTimeLeft) TimeLeft(ip netip.Addr, mac string) (TimeLeft, bool, error) {
	open, err := a.Sessions.OpenByIP(ip.String())
	if err != nil {
		return TimeLeft{}, false, err
	}
	for _, s := range open {
		if mac != "" && s.MAC != "" && s.MAC != mac {
			continue
		}
		return a.left(s), true, nil
	}
	if mac == "" {
		return TimeLeft{}, false, nil
	}
	// Behind a NAT the address is the gateway's: the MAC still finds it.
	if open, err = a.Sessions.OpenByMAC(mac); err != nil || len(open) == 0 {
		return TimeLeft{}, false, err
	}
	return a.left(newestOf(open)), true, nil
}

// newestOf is the session updated last.
func newestOf(open []accounting.Session) accounting.Session {
	n := open[0]
	for _, s := range open[1:] {
		if s.Updated.After(n.Updated) {
			n = s
		}
	}
	return n
}

func (a AccountingTimeLeft) left(s accounting.Session) TimeLeft {
	plan := a.Default
	n, ok := a.nas(s.NAS)
	if ok {
		plan = a.NAS.PlanForNAS(n, a.Default)
	}
	if c, err := a.Visitors.Get(s.Username); err == nil {
		plan, _ = visitors.Admit(c, n, plan) // the session is open: only its plan matters
	}
	now := time.Now
	if a.Now != nil {
		now = a.Now
	}
	out := TimeLeft{SecondsLeft: -1, BytesLeft: -1, Venue: n.Hotspot}
	timeout := int64(plan.SessionTimeout)
	if s.Timeout > 0 { // staff extended it with a CoA
		timeout = int64(s.Timeout)
	}
	if timeout > 0 {
		out.SecondsLeft = max(timeout-int64(now().Sub(s.Started).Seconds()), 0)
	}
	if plan.DataCapMB > 0 {
		out.BytesLeft = max(plan.DataCapMB<<20-s.Octets(), 0)
	}
	return out
}

func (a AccountingTimeLeft) nas(id string) (hotspots.NAS, bool) { return a.NAS.LookupNAS(id) }
