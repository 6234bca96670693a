package hotspots

import (
	"cmp"
	"fmt"

	"github.com/wifihk/wifihk/internal/store"
)

// NASChange is what UpdateNAS changes; a nil field stays as it is. An
// empty Identifier or UAMSecret removes it.
type NASChange struct {
	IP, Secret, Identifier, UAMSecret *string
	RequireMA, PortalAuth             *string
	Hotspot                           *VenueKey
	CoAPort                           *int
}

// UpdateNAS changes a registered NAS (wifihk nas update), checked as
// AddNAS checks a new one.
func (r *Registry) UpdateNAS(id string, ch NASChange) (NAS, error) {
	var n NAS
	err := r.db.Update(func(tx *store.Tx) error {
		if err := getOr404(tx, store.NAS, id, &n, "NAS"); err != nil {
			return err
		}
		in, err := r.nasInput(n)
		if err != nil {
			return err
		}
		ch.apply(&in)
		p, err := in.validate()
		if err != nil {
			return fmt.Errorf("hotspots: %w", err)
		}
		if err := checkNASTx(tx, in.Hotspot, p, n.ID); err != nil {
			return err
		}
		n.Prefix, n.Hotspot, n.Identifier = p, in.Hotspot, in.Identifier
		// The defaults as AddNAS sets them.
		n.CoAPort, n.RequireMA = cmp.Or(in.CoAPort, 3799), cmp.Or(in.RequireMA, MARequire)
		n.PortalAuth = cmp.Or(in.PortalAuth, "chap")
		if ch.Secret != nil {
			n.SecretSealed = r.sealer.Seal(in.Secret)
		}
		if ch.UAMSecret != nil {
			n.UAMSecretSealed = ""
			if in.UAMSecret != "" {
				n.UAMSecretSealed = r.sealer.Seal(in.UAMSecret)
			}
		}
		return tx.Put(store.NAS, n.ID, n)
	})
	if err != nil {
		return NAS{}, err
	}
	return n, r.reloadNAS()
}

// nasInput is n as the input that would register it, secrets opened.
func (r *Registry) nasInput(n NAS) (NASInput, error) {
	sec, err := r.Secret(n)
	if err != nil {
		return NASInput{}, fmt.Errorf("hotspots: NAS %s secret: %w", n.Name, err)
	}
	uam, err := r.UAMSecret(n)
	if err != nil {
		return NASInput{}, fmt.Errorf("hotspots: NAS %s UAM secret: %w", n.Name, err)
	}
	return NASInput{Name: n.Name, IP: n.Prefix.String(), Secret: sec, Hotspot: n.Hotspot, CoAPort: n.CoAPort,
		RequireMA: n.RequireMA, Identifier: n.Identifier, UAMSecret: uam, PortalAuth: n.PortalAuth}, nil
}

func (ch NASChange) apply(in *NASInput) {
	set := func(dst, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&in.IP, ch.IP)
	set(&in.Secret, ch.Secret)
	set(&in.Identifier, ch.Identifier)
	set(&in.UAMSecret, ch.UAMSecret)
	set(&in.RequireMA, ch.RequireMA)
	set(&in.PortalAuth, ch.PortalAuth)
	if ch.Hotspot != nil {
		in.Hotspot = *ch.Hotspot
	}
	if ch.CoAPort != nil {
		in.CoAPort = *ch.CoAPort
	}
}
