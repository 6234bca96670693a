package radius

import (
	"testing"

	"layeh.com/radius/rfc2866"

	"github.com/wifihk/wifihk/radius/vendors/chillispot"
)

// CoovaChilli without swapoctets counts from the client's side and says
// so with ChilliSpot-Acct-View-Point 2; wifihk keeps the NAS's side
// (RFC 2866), so it swaps them. View-Point 1, or none, is taken as sent.
func TestAcctViewPointClientIsSwapped(t *testing.T) {
	h := newHarness(t, "")
	c := h.client(h.acctAddr)
	for _, tc := range []struct {
		id      string
		view    chillispot.ChilliSpotAcctViewPoint
		in, out uint64
	}{
		{"client-view", chillispot.ChilliSpotAcctViewPoint_Value_ChilliSpotClientViewPoint, 500, 1000},
		{"nas-view", chillispot.ChilliSpotAcctViewPoint_Value_ChilliSpotNASViewPoint, 1000, 500},
		{"none", 0, 1000, 500},
	} {
		p := acctPacket(testSecret, tc.id, rfc2866.AcctStatusType_Value_InterimUpdate, 1000) // in 1000, out 500
		if tc.view != 0 {
			if err := chillispot.ChilliSpotAcctViewPoint_Set(p, tc.view); err != nil {
				t.Fatal(err)
			}
		}
		h.acct(c, p)
		s, err := h.sess.Get("test-nas/" + tc.id)
		if err != nil {
			t.Fatal(err)
		}
		if s.InputOctets != tc.in || s.OutputOctets != tc.out {
			t.Errorf("%s: input %d output %d, want %d %d", tc.id, s.InputOctets, s.OutputOctets, tc.in, tc.out)
		}
	}
}
