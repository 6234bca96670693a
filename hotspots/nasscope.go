package hotspots

import "fmt"

// CheckOperatorRange refuses an address range wider than an operator may
// register for a NAS (/24 for IPv4, /64 for IPv6): a wider one would
// capture other gateways' RADIUS traffic. Admins may register any. An
// unparsable ip passes here; AddNAS refuses it.
func CheckOperatorRange(ip string) error {
	p, err := ParsePrefix(ip)
	if err != nil {
		return nil
	}
	narrowest := 64
	if p.Addr().Is4() {
		narrowest = 24
	}
	if p.Bits() < narrowest {
		return fmt.Errorf("%s is wider than an operator may register (/24 for IPv4, /64 for IPv6)", p)
	}
	return nil
}
