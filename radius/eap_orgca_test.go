package radius

import (
	"crypto/tls"
	"errors"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"layeh.com/radius/rfc2865"
	"layeh.com/radius/rfc2866"

	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/radius/eap"
	"github.com/wifihk/wifihk/visitors"
	"github.com/wifihk/wifihk/visitors/orgpki"
	"github.com/wifihk/wifihk/visitors/orgpki/orgpkitest"
)

// A device certificate of an organisation's own CA is held to the rules
// of every EAP method: accepted as its account, then refused by the
// Simultaneous-Use limit while that account is online, and by a members
// plan of another organisation.
func TestEAPTLSImportedCAAdmission(t *testing.T) {
	h := newEAPHarness(t, "", eap.Config{}) // default plan: one session per account
	if _, err := h.vis.AddAccount(visitors.AccountInput{Username: "bob", Password: "bob-pass-1", Org: "school"}); err != nil {
		t.Fatal(err)
	}
	school := orgpkitest.New(t, "School CA")
	if _, err := h.vis.ImportCA("school", school.PEM, orgpki.Rule{Field: orgpki.FieldCN}); err != nil {
		t.Fatal(err)
	}
	leaf := school.Issue(t, orgpkitest.Names{CN: "bob"})
	pair, err := tls.X509KeyPair(leaf.CertPEM, leaf.KeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	device := func() *eap.Peer {
		p := h.peer("", "", 0, nil)
		p.Method, p.TLS.Certificates = eap.TypeTLS, []tls.Certificate{pair}
		return p
	}
	nas := h.nas()
	if _, err := device().Run(nas.exchange); err != nil {
		t.Fatalf("bob's device: %v", err)
	}
	if got := rfc2865.UserName_GetString(nas.last); got != "bob" {
		t.Fatalf("the Accept names %q, want bob", got)
	}
	h.acct(h.client(h.acctAddr), acctPacket(testSecret, "s-1", rfc2866.AcctStatusType_Value_Start, 0)) // bob is online
	if _, err := device().Run(h.nas().exchange); !errors.Is(err, eap.ErrRejected) {
		t.Fatalf("a second session of bob: %v, want rejected", err)
	}
	if got := testutil.ToFloat64(h.met.auth.WithLabelValues(rejectSimUse)); got != 1 {
		t.Errorf("auth{%s} = %v, want 1", rejectSimUse, got)
	}
	must := func(_ any, err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(h.reg.AddOrg(hotspots.Org{Code: "club"}))
	must(h.reg.AddPlan(hotspots.Plan{Name: "members-only", Kind: hotspots.PlanMembers, Org: "club"}))
	must(h.reg.AddVenue(hotspots.Venue{Org: "club", LocationID: "C1", NameEN: "Club", Latitude: 22.3, Longitude: 114.17, Plan: "members-only"}))
	must(h.reg.SetNASHotspot("test-nas", "club/C1"))
	if _, err := device().Run(h.nas().exchange); !errors.Is(err, eap.ErrRejected) {
		t.Fatalf("at a members venue of another organisation: %v, want rejected", err)
	}
	if got := testutil.ToFloat64(h.met.auth.WithLabelValues(rejectPlan)); got != 1 {
		t.Errorf("auth{%s} = %v, want 1", rejectPlan, got)
	}
}
