package visitors

import "github.com/wifihk/wifihk/hotspots"

// Admit decides what credential c gets at NAS n, and whether it may have
// it. venuePlan is the plan for n's visitors, as hotspots.Registry's
// PlanForNAS gives it (the default plan where n has no venue or its venue
// no plan).
//
// The plan is c's own where it carries one (a voucher's duration and
// data cap, the plan a one-time credential was issued under), else
// venuePlan. A members plan admits only credentials of the organisation
// of n's venue; anyone else is refused with ErrNotMember. A voucher
// printed by an organisation is good only at that organisation's venues
// (ErrOtherOrganisation).
//
// This is the one place these rules are decided: RADIUS calls it for
// every Access-Request, and the portal before it logs on an account or a
// voucher and when it reports what an open session has left. The plan
// is returned even with a refusal, for reports on sessions already open.
func Admit(c Credential, n hotspots.NAS, venuePlan hotspots.Plan) (hotspots.Plan, error) {
	plan := venuePlan
	if c.Plan != nil {
		plan = *c.Plan
	}
	switch {
	case c.Kind == KindVoucher && c.Org != "" && c.Org != n.Hotspot.Org():
		return plan, ErrOtherOrganisation
	case plan.Kind == hotspots.PlanMembers && (c.Org == "" || c.Org != n.Hotspot.Org()):
		return plan, ErrNotMember
	}
	return plan, nil
}

// Grant is what an admitted credential's session gets: its plan, the
// session timeout (the plan's, cut short by the credential's expiry; 0 is
// none) and the Class that ties the session's accounting back to the
// admission.
type Grant struct {
	Plan           hotspots.Plan
	SessionTimeout int
	Class          string
}
