package visitors

import (
	"errors"
	"testing"

	"github.com/wifihk/wifihk/hotspots"
)

func TestAdmit(t *testing.T) {
	free := hotspots.DefaultPlan()
	members := hotspots.Plan{Name: "elearning", Kind: hotspots.PlanMembers, Org: "school", BandwidthDownKbps: 50000}
	voucher := hotspots.Plan{Name: "voucher", Kind: hotspots.PlanVoucher, SessionTimeout: 3600}
	school := hotspots.NAS{ID: "gw-school", Hotspot: "school/S001"}
	library := hotspots.NAS{ID: "gw-lib", Hotspot: "lib/L001"}
	noVenue := hotspots.NAS{ID: "gw-none"}
	for _, tc := range []struct {
		name      string
		cred      Credential
		nas       hotspots.NAS
		venuePlan hotspots.Plan
		want      string // plan name
		err       error
	}{
		{"venue plan for an account", Credential{Kind: KindAccount}, library, free, "default", nil},
		{"credential's own plan wins", Credential{Kind: KindVoucher, Plan: &voucher}, library, free, "voucher", nil},
		{"own plan wins over a members plan", Credential{Kind: KindVoucher, Plan: &voucher}, school, members, "voucher", nil},
		{"member of the venue's organisation", Credential{Kind: KindAccount, Org: "school"}, school, members, "elearning", nil},
		{"member of another organisation", Credential{Kind: KindAccount, Org: "lib"}, school, members, "elearning", ErrNotMember},
		{"no organisation at a members venue", Credential{Kind: KindAccount}, school, members, "elearning", ErrNotMember},
		{"members plan carried to a NAS with no venue", Credential{Kind: KindOneTime, Org: "school", Plan: &members}, noVenue, free, "elearning", ErrNotMember},
		{"members plan carried to another venue", Credential{Kind: KindOneTime, Org: "school", Plan: &members}, library, free, "elearning", ErrNotMember},
		{"members plan carried, right venue", Credential{Kind: KindOneTime, Org: "school", Plan: &members}, school, free, "elearning", nil},
		{"default plan at a NAS with no venue", Credential{Kind: KindOneTime}, noVenue, free, "default", nil},
		{"organisation does not matter to a free plan", Credential{Kind: KindAccount, Org: "lib"}, school, free, "default", nil},
		{"network-wide voucher anywhere", Credential{Kind: KindVoucher, Plan: &voucher}, school, free, "voucher", nil},
		{"organisation's voucher at its venue", Credential{Kind: KindVoucher, Org: "lib", Plan: &voucher}, library, free, "voucher", nil},
		{"organisation's voucher at another's venue", Credential{Kind: KindVoucher, Org: "lib", Plan: &voucher}, school, members, "voucher", ErrOtherOrganisation},
		{"organisation's voucher at a NAS with no venue", Credential{Kind: KindVoucher, Org: "lib", Plan: &voucher}, noVenue, free, "voucher", ErrOtherOrganisation},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plan, err := Admit(tc.cred, tc.nas, tc.venuePlan)
			if plan.Name != tc.want || !errors.Is(err, tc.err) || (tc.err == nil && err != nil) {
				t.Errorf("Admit = %q, %v; want %q, %v", plan.Name, err, tc.want, tc.err)
			}
		})
	}
}
