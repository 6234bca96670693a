package radius

import (
	layeh "layeh.com/radius"
	"layeh.com/radius/rfc2865"

	"github.com/wifihk/wifihk/hotspots"
)

// nasLookup finds a NAS by the NAS-Identifier it sends;
// hotspots.Registry implements it. A NASSource that does too gets a hint
// in the log about packets from an unknown source.
type nasLookup interface {
	LookupNAS(key string) (hotspots.NAS, bool)
}

// unknownHint names the registered NAS a packet from an unknown source
// says it comes from, by its (unverified) NAS-Identifier: CoovaChilli's
// redirect child sends portal logins from the gateway's own address
// rather than radiuslisten's, so a NAS registered with one address sees
// every portal login dropped.
func (s *Server) unknownHint(b []byte) string {
	look, ok := s.cfg.NAS.(nasLookup)
	if !ok {
		return ""
	}
	p, err := layeh.Parse(b, nil)
	if err != nil {
		return ""
	}
	id := rfc2865.NASIdentifier_GetString(p)
	n, ok := look.LookupNAS(id)
	if id == "" || !ok {
		return ""
	}
	return "its NAS-Identifier is that of NAS " + n.Name + ", registered for " + n.Prefix.String() +
		": a gateway may send from more than one address (CoovaChilli's portal logins ignore radiuslisten); " +
		"give the NAS a prefix that covers both (wifihk nas update -name " + n.Name + " -ip PREFIX) or one uplink address"
}
