package hotspots

import "fmt"

// PlanKind says who may get online under a plan and how.
type PlanKind string

// The plan kinds.
const (
	PlanFreeTimed PlanKind = "free_timed" // click-through, time-limited, N sessions a day per device
	PlanFree      PlanKind = "free"       // click-through, no limit
	PlanAccounts  PlanKind = "accounts"   // registered visitor accounts only
	PlanMembers   PlanKind = "members"    // members of the venue's organisation only
	PlanVoucher   PlanKind = "voucher"    // voucher codes
)

// Plan is what a visitor gets at a venue. Zero limits mean "no limit".
type Plan struct {
	Name              string   `json:"name" yaml:"name"`
	Kind              PlanKind `json:"kind" yaml:"kind"`
	SessionTimeout    int      `json:"session_timeout_s" yaml:"session_timeout_s"`     // Session-Timeout
	SessionsPerDay    int      `json:"sessions_per_day" yaml:"sessions_per_day"`       // per device, free_timed
	IdleTimeout       int      `json:"idle_timeout_s" yaml:"idle_timeout_s"`           // Idle-Timeout
	InterimInterval   int      `json:"interim_interval_s" yaml:"interim_interval_s"`   // Acct-Interim-Interval
	BandwidthUpKbps   int      `json:"bandwidth_up_kbps" yaml:"bandwidth_up_kbps"`     // WISPr/ChilliSpot caps
	BandwidthDownKbps int      `json:"bandwidth_down_kbps" yaml:"bandwidth_down_kbps"` //
	DataCapMB         int64    `json:"data_cap_mb" yaml:"data_cap_mb"`                 // ChilliSpot-Max-Total-Octets
	SimultaneousUse   int      `json:"simultaneous_use" yaml:"simultaneous_use"`       // open sessions per account
	// Org, when set, is the organisation that owns a named plan; only its
	// venues may use it. "" is a network-wide plan.
	Org string `json:"org,omitempty" yaml:"-"`
}

// DefaultPlan applies where a NAS has no venue or the venue has no plan:
// free with a time limit, 30-minute sessions, 2 a day per device.
func DefaultPlan() Plan {
	return Plan{
		Name:              "default",
		Kind:              PlanFreeTimed,
		SessionTimeout:    1800,
		SessionsPerDay:    2,
		IdleTimeout:       600,
		InterimInterval:   300,
		BandwidthUpKbps:   2048,
		BandwidthDownKbps: 8192,
		DataCapMB:         0,
		SimultaneousUse:   1,
	}
}

// Validate names the first field that is wrong.
func (p Plan) Validate() error {
	switch {
	case p.Name == "":
		return fmt.Errorf("plan: name: required")
	case !p.Kind.valid():
		return fmt.Errorf("plan %s: kind: %q is not one of free_timed, free, accounts, members, voucher", p.Name, p.Kind)
	case p.SessionTimeout < 0:
		return fmt.Errorf("plan %s: session_timeout_s: must not be negative", p.Name)
	case p.Kind == PlanFreeTimed && p.SessionTimeout == 0:
		return fmt.Errorf("plan %s: session_timeout_s: a free_timed plan needs a time limit", p.Name)
	case p.SessionsPerDay < 0 || p.SessionsPerDay > 255:
		return fmt.Errorf("plan %s: sessions_per_day: %d is not 0-255", p.Name, p.SessionsPerDay)
	case p.IdleTimeout < 0:
		return fmt.Errorf("plan %s: idle_timeout_s: must not be negative", p.Name)
	case p.InterimInterval != 0 && p.InterimInterval < 60:
		return fmt.Errorf("plan %s: interim_interval_s: %d is under 60 s (RFC 2869 §5.16)", p.Name, p.InterimInterval)
	case p.BandwidthUpKbps < 0 || p.BandwidthDownKbps < 0:
		return fmt.Errorf("plan %s: bandwidth: must not be negative", p.Name)
	case p.DataCapMB < 0:
		return fmt.Errorf("plan %s: data_cap_mb: must not be negative", p.Name)
	case p.SimultaneousUse < 0:
		return fmt.Errorf("plan %s: simultaneous_use: must not be negative", p.Name)
	}
	return nil
}

func (k PlanKind) valid() bool {
	switch k {
	case PlanFreeTimed, PlanFree, PlanAccounts, PlanMembers, PlanVoucher:
		return true
	}
	return false
}
