package hotspots

import (
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"strings"
	"time"
)

// Message-Authenticator policies for Access-Request, as FreeRADIUS 3.2.5+
// require_message_authenticator.
const (
	MARequire = "require" // drop Access-Request without a valid Message-Authenticator
	MAAuto    = "auto"    // require it once this NAS has sent one
	MAOff     = "off"     // check it only when present
)

// NAS is a gateway that speaks RADIUS to us: CoovaChilli, openNDS, a WLC.
type NAS struct {
	ID      string       `json:"id"`
	Name    string       `json:"name"`
	Prefix  netip.Prefix `json:"prefix"`   // source addresses it sends from
	Hotspot VenueKey     `json:"hotspot"`  // the venue it serves, or "" for none
	CoAPort int          `json:"coa_port"` // RFC 5176 port, default 3799
	// RequireMA is the Message-Authenticator policy: require, auto or off.
	RequireMA string `json:"require_message_authenticator"`
	// Identifier is the NAS-Identifier / UAM nasid it sends, if known.
	Identifier string `json:"nas_identifier,omitempty"`
	// PortalAuth is how the portal logs visitors on: "chap" (default) or "pap".
	PortalAuth string `json:"portal_auth,omitempty"`
	// SecretSealed and UAMSecretSealed are sealed with the data dir's key.
	SecretSealed    string `json:"secret_sealed"`
	UAMSecretSealed string `json:"uam_secret_sealed,omitempty"`
	// Cert is the client certificate it presents over RadSec, if any.
	Cert    CertIdentity `json:"cert,omitzero"`
	Created time.Time    `json:"created"`
}

// NASInput is what registering a NAS takes.
type NASInput struct {
	Name       string
	IP         string // IP or IP/PREFIX
	Secret     string
	Hotspot    VenueKey // "" for none
	CoAPort    int
	RequireMA  string
	Identifier string
	UAMSecret  string
	PortalAuth string
	Cert       CertIdentity
}

var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// ErrNASExists means another NAS already has that name or an overlapping
// address range.
var ErrNASExists = errors.New("hotspots: NAS exists")

// ParsePrefix accepts "IP" or "IP/BITS".
func ParsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("ip: %q is not an IP or IP/PREFIX", s)
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("ip: %q is not an IP or IP/PREFIX", s)
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

func (in NASInput) validate() (netip.Prefix, error) {
	if !nameRE.MatchString(in.Name) {
		return netip.Prefix{}, fmt.Errorf("name: %q must be 1-64 letters, digits, '.', '_' or '-'", in.Name)
	}
	p, err := ParsePrefix(in.IP)
	if err != nil {
		return p, err
	}
	switch {
	case len(in.Secret) < 6:
		return p, fmt.Errorf("secret: must be at least 6 characters")
	case len(in.Secret) > 128:
		return p, fmt.Errorf("secret: must be at most 128 characters")
	case in.CoAPort < 0 || in.CoAPort > 65535:
		return p, fmt.Errorf("coa-port: %d is not a port", in.CoAPort)
	}
	switch in.RequireMA {
	case "", MARequire, MAAuto, MAOff:
	default:
		return p, fmt.Errorf("require-message-authenticator: %q is not require, auto or off", in.RequireMA)
	}
	if err := in.Cert.validate(); err != nil {
		return p, err
	}
	switch in.PortalAuth {
	case "", "chap", "pap":
	default:
		return p, fmt.Errorf("portal-auth: %q is not chap or pap", in.PortalAuth)
	}
	return p, nil
}
