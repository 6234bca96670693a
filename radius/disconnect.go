package radius

import (
	"context"
	"fmt"
	"math"
	"net/netip"
	"time"

	layeh "layeh.com/radius"
	"layeh.com/radius/rfc2865"

	"github.com/wifihk/wifihk/accounting"
	"github.com/wifihk/wifihk/hotspots"
)

// SessionNAS finds the NAS an accounting session came through and the
// secret it shares with us; *hotspots.Registry implements it.
type SessionNAS interface {
	NASByID(id string) (hotspots.NAS, error)
	Secret(n hotspots.NAS) (string, error)
}

// Disconnecter ends accounting sessions: it finds a session's NAS and
// sends it an RFC 5176 Disconnect-Request. The console and the command
// line share it, so that both reach the NAS the same way.
type Disconnecter struct {
	NAS    SessionNAS // required
	Client CoAClient  // its timeout and tries; the zero value has defaults
}

// Disconnect asks the NAS of session s to end it, and returns the NAS's
// answer; the result's To says where the request went.
func (d *Disconnecter) Disconnect(ctx context.Context, s accounting.Session) (DisconnectResult, error) {
	t, err := d.Target(s)
	if err != nil {
		return DisconnectResult{}, err
	}
	return d.Client.Disconnect(ctx, t)
}

// Extend asks the NAS of session s to let it run for total from its
// start: an RFC 5176 CoA-Request carrying the new Session-Timeout, which
// gateways such as CoovaChilli count from the session's start.
func (d *Disconnecter) Extend(ctx context.Context, s accounting.Session, total time.Duration) (DisconnectResult, error) {
	if total < time.Second || total > math.MaxUint32*time.Second {
		return DisconnectResult{}, fmt.Errorf("radius: session %s: Session-Timeout %v out of range", s.ID, total)
	}
	t, err := d.Target(s)
	if err != nil {
		return DisconnectResult{}, err
	}
	timeout := layeh.Attributes{{Type: rfc2865.SessionTimeout_Type, Attribute: layeh.NewInteger(uint32(total / time.Second))}}
	return d.Client.CoA(ctx, t, timeout)
}

// Target says where a Disconnect- or CoA-Request for s goes: the address
// its NAS sent accounting from (or the NAS's single address), at the
// NAS's CoA port, signed with the NAS's own secret.
func (d *Disconnecter) Target(s accounting.Session) (DisconnectTarget, error) {
	n, err := d.NAS.NASByID(s.NAS)
	if err != nil {
		return DisconnectTarget{}, fmt.Errorf("radius: session %s: NAS %q: %w", s.ID, s.NAS, err)
	}
	secret, err := d.NAS.Secret(n)
	if err != nil {
		return DisconnectTarget{}, fmt.Errorf("radius: session %s: NAS %s secret: %w", s.ID, n.Name, err)
	}
	addr, err := netip.ParseAddr(s.NASAddr)
	if err != nil {
		if !n.Prefix.IsSingleIP() {
			return DisconnectTarget{}, fmt.Errorf("radius: session %s: no NAS address recorded and NAS %s covers %s", s.ID, n.Name, n.Prefix)
		}
		addr = n.Prefix.Addr()
	}
	return DisconnectTarget{Username: s.Username, AcctID: s.AcctID, MAC: s.MAC, FramedIP: s.FramedIP,
		NASAddr: netip.AddrPortFrom(addr, uint16(n.CoAPort)), NASSecret: secret, NASID: n.ID}, nil
}
