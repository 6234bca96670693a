package radius

import (
	"crypto/md5"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	layeh "layeh.com/radius"
	"layeh.com/radius/rfc2865"
	"layeh.com/radius/rfc2869"
	"layeh.com/radius/vendors/wispr"

	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/radius/vendors/chillispot"
	"github.com/wifihk/wifihk/visitors"
)

func TestPAPAcceptCarriesThePlan(t *testing.T) {
	h := newHarness(t, "")
	h.addUser("alice", "correct horse", false)
	c := h.client(h.authAddr)

	req := mustEncodeMA(t, accessRequest(testSecret, "alice", "correct horse"))
	p := checkReply(t, c.exchange(req, answerWait), req, true)
	if p.Code != layeh.CodeAccessAccept {
		t.Fatalf("got %v, want Access-Accept", p.Code)
	}
	checks := []struct {
		name      string
		got, want uint64
	}{
		{"Session-Timeout", uint64(rfc2865.SessionTimeout_Get(p)), 1800},
		{"Idle-Timeout", uint64(rfc2865.IdleTimeout_Get(p)), 600},
		{"Acct-Interim-Interval", uint64(rfc2869.AcctInterimInterval_Get(p)), 300},
		{"WISPr-Bandwidth-Max-Up", uint64(wispr.WISPrBandwidthMaxUp_Get(p)), 2048000},
		{"WISPr-Bandwidth-Max-Down", uint64(wispr.WISPrBandwidthMaxDown_Get(p)), 8192000},
		{"ChilliSpot-Bandwidth-Max-Down", uint64(chillispot.ChilliSpotBandwidthMaxDown_Get(p)), 8192},
		{"ChilliSpot-Max-Total-Octets", uint64(chillispot.ChilliSpotMaxTotalOctets_Get(p)), (5 << 30) & 0xffffffff},
		{"ChilliSpot-Max-Total-Gigawords", uint64(chillispot.ChilliSpotMaxTotalGigawords_Get(p)), 1},
	}
	for _, ck := range checks {
		if ck.got != ck.want {
			t.Errorf("%s = %d, want %d", ck.name, ck.got, ck.want)
		}
	}
	if class := string(rfc2865.Class_Get(p)); len(class) < 10 || class[:5] != "whk1:" {
		t.Errorf("Class = %q, want whk1:…", class)
	}

	req = mustEncodeMA(t, accessRequest(testSecret, "alice", "wrong horse"))
	if p := checkReply(t, c.exchange(req, answerWait), req, true); p.Code != layeh.CodeAccessReject {
		t.Fatalf("wrong password: got %v, want Access-Reject", p.Code)
	}
	req = mustEncodeMA(t, accessRequest(testSecret, "nobody", "correct horse"))
	if p := checkReply(t, c.exchange(req, answerWait), req, true); p.Code != layeh.CodeAccessReject {
		t.Fatalf("unknown user: got %v, want Access-Reject", p.Code)
	}
}

func chapRequest(user, pw string, challenge []byte) *layeh.Packet {
	p := layeh.New(layeh.CodeAccessRequest, []byte(testSecret))
	rfc2865.UserName_SetString(p, user)
	chal := challenge
	if chal == nil {
		chal = p.Authenticator[:]
	} else {
		rfc2865.CHAPChallenge_Set(p, challenge)
	}
	id := byte(42)
	sum := md5.Sum(append(append([]byte{id}, pw...), chal...))
	rfc2865.CHAPPassword_Set(p, append([]byte{id}, sum[:]...))
	return p
}

func TestCHAP(t *testing.T) {
	h := newHarness(t, "")
	h.addUser("carol", "chap-secret-1", true)
	h.addUser("dave", "pap-only-pass", false)
	c := h.client(h.authAddr)
	for _, tc := range []struct {
		name string
		p    *layeh.Packet
		want layeh.Code
	}{
		{"CHAP-Challenge", chapRequest("carol", "chap-secret-1", []byte("challenge-16-byt")), layeh.CodeAccessAccept},
		{"request authenticator as challenge", chapRequest("carol", "chap-secret-1", nil), layeh.CodeAccessAccept},
		{"wrong password", chapRequest("carol", "chap-secret-2", nil), layeh.CodeAccessReject},
		{"account without CHAP", chapRequest("dave", "pap-only-pass", nil), layeh.CodeAccessReject},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := mustEncodeMA(t, tc.p)
			if p := checkReply(t, c.exchange(req, answerWait), req, true); p.Code != tc.want {
				t.Fatalf("got %v, want %v", p.Code, tc.want)
			}
		})
	}
}

func TestMACAuthentication(t *testing.T) {
	h := newHarness(t, "")
	h.addUser("erin", "erin-password", false)
	if err := h.vis.RememberDevice(visitors.Device{MAC: "02:aa:bb:cc:dd:ee", Username: "erin"}); err != nil {
		t.Fatal(err)
	}
	c := h.client(h.authAddr)
	macReq := func(mac string) []byte {
		p := accessRequest(testSecret, mac, mac) // CoovaChilli macauth: User-Name = User-Password = MAC
		rfc2865.CallingStationID_SetString(p, mac)
		return mustEncodeMA(t, p)
	}
	req := macReq("02-AA-BB-CC-DD-EE")
	if p := checkReply(t, c.exchange(req, answerWait), req, true); p.Code != layeh.CodeAccessAccept {
		t.Fatalf("remembered device: got %v", p.Code)
	}
	req = macReq("02-AA-BB-CC-DD-EF")
	if p := checkReply(t, c.exchange(req, answerWait), req, true); p.Code != layeh.CodeAccessReject {
		t.Fatalf("unknown device: got %v", p.Code)
	}
	// A MAC as User-Name that is not the caller's own is not MAC auth.
	p := accessRequest(testSecret, "02-AA-BB-CC-DD-EE", "x")
	rfc2865.CallingStationID_SetString(p, "02-99-99-99-99-99")
	req = mustEncodeMA(t, p)
	if p := checkReply(t, c.exchange(req, answerWait), req, true); p.Code != layeh.CodeAccessReject {
		t.Fatalf("spoofed MAC user: got %v", p.Code)
	}
}

func TestOneTimeCredentialIsBoundAndUsedOnce(t *testing.T) {
	h := newHarness(t, "")
	err := h.vis.Insert(visitors.Credential{Username: "ot-1", Kind: visitors.KindOneTime, UsesLeft: 1,
		SecretSealed: h.vis.Seal("otp-pass-123"), BoundMAC: "02:11:22:33:44:55", BoundNAS: "test-nas",
		ExpiresAt: time.Now().Add(10 * time.Minute), Plan: &hotspots.Plan{Name: "ot", Kind: hotspots.PlanFree, SessionTimeout: 3600}})
	if err != nil {
		t.Fatal(err)
	}
	c := h.client(h.authAddr)
	other := accessRequest(testSecret, "ot-1", "otp-pass-123")
	rfc2865.CallingStationID_Set(other, []byte("02-11-22-33-44-56"))
	req := mustEncodeMA(t, other)
	if p := checkReply(t, c.exchange(req, answerWait), req, true); p.Code != layeh.CodeAccessReject {
		t.Fatalf("other device: got %v", p.Code)
	}
	req = mustEncodeMA(t, accessRequest(testSecret, "ot-1", "otp-pass-123"))
	p := checkReply(t, c.exchange(req, answerWait), req, true)
	if p.Code != layeh.CodeAccessAccept {
		t.Fatalf("bound device: got %v", p.Code)
	}
	// Session-Timeout is cut to the credential's 10 minutes left.
	if st := rfc2865.SessionTimeout_Get(p); st > 600 || st < 590 {
		t.Errorf("Session-Timeout = %d, want about 600", st)
	}
	req = mustEncodeMA(t, accessRequest(testSecret, "ot-1", "otp-pass-123"))
	if p := checkReply(t, c.exchange(req, answerWait), req, true); p.Code != layeh.CodeAccessReject {
		t.Fatalf("second use: got %v", p.Code)
	}
}

// A free pass is counted when it is accepted: with one session left, the
// first of two passes gets in and the second is refused (not dropped, so
// the gateway need not retry). The first again at once is the gateway
// retrying a login whose answer it lost: accepted, counting nothing, so
// the second is still refused (after the retry window the first is used
// up: visitors.TestFreePassRetryWindow).
func TestFreePassAcceptedWithinTheAllowance(t *testing.T) {
	h := newHarness(t, "")
	in := visitors.OneTimeInput{MAC: "02:11:22:33:44:55", NAS: "test-nas"}
	var names, secrets [2]string
	for i := range names {
		c, secret, _, err := h.vis.IssueFree(in, 1)
		if err != nil {
			t.Fatal(err)
		}
		names[i], secrets[i] = c.Username, secret
	}
	c := h.client(h.authAddr)
	for i, want := range []layeh.Code{layeh.CodeAccessAccept, layeh.CodeAccessReject} {
		req := mustEncodeMA(t, accessRequest(testSecret, names[i], secrets[i]))
		if p := checkReply(t, c.exchange(req, answerWait), req, true); p.Code != want {
			t.Fatalf("pass %d: got %v, want %v", i+1, p.Code, want)
		}
	}
	for i, want := range []layeh.Code{layeh.CodeAccessAccept, layeh.CodeAccessReject} {
		req := mustEncodeMA(t, accessRequest(testSecret, names[i], secrets[i]))
		if p := checkReply(t, c.exchange(req, answerWait), req, true); p.Code != want {
			t.Fatalf("pass %d again: got %v, want %v", i+1, p.Code, want)
		}
	}
}

// A device remembered after a click-through gets in by MAC authentication,
// but its sessions share the plan's daily allowance with free passes.
func TestRememberedFreeDeviceSharesTheAllowance(t *testing.T) {
	h := newHarness(t, "")
	plan := &hotspots.Plan{Name: "free", Kind: hotspots.PlanFreeTimed, SessionTimeout: 1800, SessionsPerDay: 2}
	const mac = "02:aa:bb:cc:dd:10"
	if err := h.vis.RememberFreeDevice(visitors.DevicePassInput{MAC: mac, Plan: plan, Days: 7}); err != nil {
		t.Fatal(err)
	}
	c := h.client(h.authAddr)
	// One session through a pass, then MAC authentication.
	pass, secret, _, err := h.vis.IssueFree(visitors.OneTimeInput{MAC: mac, NAS: "test-nas", Plan: plan}, 2)
	if err != nil {
		t.Fatal(err)
	}
	p := accessRequest(testSecret, pass.Username, secret)
	rfc2865.CallingStationID_SetString(p, "02-AA-BB-CC-DD-10")
	req := mustEncodeMA(t, p)
	if p := checkReply(t, c.exchange(req, answerWait), req, true); p.Code != layeh.CodeAccessAccept {
		t.Fatalf("pass: got %v", p.Code)
	}
	macReq := func() []byte {
		p := accessRequest(testSecret, "02-AA-BB-CC-DD-10", "02-AA-BB-CC-DD-10")
		rfc2865.CallingStationID_SetString(p, "02-AA-BB-CC-DD-10")
		return mustEncodeMA(t, p)
	}
	for i, want := range []layeh.Code{layeh.CodeAccessAccept, layeh.CodeAccessReject} {
		req := macReq()
		if p := checkReply(t, c.exchange(req, answerWait), req, true); p.Code != want {
			t.Fatalf("MAC authentication %d: got %v, want %v", i+1, p.Code, want)
		}
	}
	if n, _ := h.vis.FreeUsedToday(mac); n != 2 {
		t.Fatalf("FreeUsedToday = %d, want 2", n)
	}
}

// TestMembersPlanAdmitsOnlyItsOrganisation: at a NAS whose venue has a
// members plan, RADIUS accepts an account of the venue's organisation and
// refuses any other (visitors.Admit decides).
func TestMembersPlanAdmitsOnlyItsOrganisation(t *testing.T) {
	h := newHarness(t, "")
	if _, err := h.reg.AddOrg(hotspots.Org{Code: "club"}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.reg.AddPlan(hotspots.Plan{Name: "members-only", Kind: hotspots.PlanMembers, Org: "club", SessionTimeout: 900}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.reg.AddVenue(hotspots.Venue{Org: "club", LocationID: "C1", NameEN: "Club", Latitude: 22.3, Longitude: 114.17, Plan: "members-only"}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.reg.SetNASHotspot("test-nas", "club/C1"); err != nil {
		t.Fatal(err)
	}
	c := h.client(h.authAddr)
	for _, tc := range []struct {
		user, org string
		want      layeh.Code
	}{
		{"member", "club", layeh.CodeAccessAccept},
		{"outsider", "elsewhere", layeh.CodeAccessReject},
		{"nobodys", "", layeh.CodeAccessReject},
	} {
		t.Run(tc.user, func(t *testing.T) {
			if _, err := h.vis.AddAccount(visitors.AccountInput{Username: tc.user, Password: "correct horse", Org: tc.org}); err != nil {
				t.Fatal(err)
			}
			req := mustEncodeMA(t, accessRequest(testSecret, tc.user, "correct horse"))
			p := checkReply(t, c.exchange(req, answerWait), req, true)
			if p.Code != tc.want {
				t.Fatalf("got %v, want %v", p.Code, tc.want)
			}
			if p.Code == layeh.CodeAccessAccept && rfc2865.SessionTimeout_Get(p) != 900 {
				t.Errorf("Session-Timeout %d, want the members plan's 900", rfc2865.SessionTimeout_Get(p))
			}
		})
	}
	if got := testutil.ToFloat64(h.met.auth.WithLabelValues(rejectPlan)); got != 2 {
		t.Errorf("plan_refuses = %v, want 2", got)
	}
}

// TestOrganisationVoucherOnlyAtItsVenues: a voucher an organisation
// printed is accepted at its venues' NAS and refused elsewhere, as the
// portal refuses it; a network-wide voucher is good anywhere.
func TestOrganisationVoucherOnlyAtItsVenues(t *testing.T) {
	h := newHarness(t, "")
	for _, org := range []string{"club", "lib"} {
		if _, err := h.reg.AddOrg(hotspots.Org{Code: org}); err != nil {
			t.Fatal(err)
		}
		if _, err := h.reg.AddVenue(hotspots.Venue{Org: org, LocationID: "V1", NameEN: org, Latitude: 22.3, Longitude: 114.17}); err != nil {
			t.Fatal(err)
		}
	}
	voucher := func(org string) (string, string) {
		b, err := h.vis.CreateVouchers(visitors.VoucherSpec{Count: 1, Duration: time.Hour, Uses: 5, Org: org})
		if err != nil {
			t.Fatal(err)
		}
		c, err := h.vis.Voucher(b.Codes[0])
		if err != nil {
			t.Fatal(err)
		}
		secret, err := h.vis.Secret(c)
		if err != nil {
			t.Fatal(err)
		}
		return c.Username, secret
	}
	clubUser, clubPW := voucher("club")
	anyUser, anyPW := voucher("")
	c := h.client(h.authAddr)
	for _, tc := range []struct {
		at         hotspots.VenueKey
		user, pw   string
		wantAccept bool
	}{
		{"club/V1", clubUser, clubPW, true},
		{"lib/V1", clubUser, clubPW, false},
		{"", clubUser, clubPW, false},
		{"lib/V1", anyUser, anyPW, true},
		{"", anyUser, anyPW, true},
	} {
		if _, err := h.reg.SetNASHotspot("test-nas", tc.at); err != nil {
			t.Fatal(err)
		}
		req := mustEncodeMA(t, accessRequest(testSecret, tc.user, tc.pw))
		p := checkReply(t, c.exchange(req, answerWait), req, true)
		if got := p.Code == layeh.CodeAccessAccept; got != tc.wantAccept {
			t.Errorf("voucher %s at %q: %v, want accept %v", tc.user, tc.at, p.Code, tc.wantAccept)
		}
	}
}
