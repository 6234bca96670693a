package radius

import (
	"fmt"
	"net/netip"

	"github.com/wifihk/wifihk/accounting"
	"github.com/wifihk/wifihk/hotspots"
)

// SessionTarget says where a Disconnect- or CoA-Request for s goes: the
// address its NAS sent accounting from (or the NAS's single address), at
// the NAS's CoA port, signed with the NAS's own secret.
func SessionTarget(n hotspots.NAS, secret string, s accounting.Session) (DisconnectTarget, error) {
	addr, err := netip.ParseAddr(s.NASAddr)
	if err != nil {
		if !n.Prefix.IsSingleIP() {
			return DisconnectTarget{}, fmt.Errorf("radius: session %s: no NAS address recorded and NAS %s covers %s", s.ID, n.Name, n.Prefix)
		}
		addr = n.Prefix.Addr()
	}
	return DisconnectTarget{Username: s.Username, AcctID: s.AcctID, MAC: s.MAC, FramedIP: s.FramedIP,
		NASAddr: netip.AddrPortFrom(addr, uint16(n.CoAPort)), NASSecret: secret}, nil
}
