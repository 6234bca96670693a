package hotspots

import (
	"fmt"

	"github.com/wifihk/wifihk/internal/store"
)

// UpdateRealm replaces realm name of org ("" for any organisation's)
// with in, checked as AddRealm checks a new one: its match (in.Name may
// rename it), home servers and their order, flags and discovery. The
// organisation stays the realm's. A UDP home server given without a
// secret keeps the secret of the server at the same address, so an
// edit need not know secrets it never sees; servers that do not change
// keep their sealed secret, and the proxy their health and connection.
func (r *Registry) UpdateRealm(org, name string, in RealmInput) (Realm, error) {
	if _, n, err := ParseRealmName(name); err == nil {
		name = n
	}
	var rl Realm
	err := r.db.Update(func(tx *store.Tx) error {
		var old Realm
		if err := tx.Get(store.Realms, name, &old); err != nil || (org != "" && old.Org != org) {
			return fmt.Errorf("%w: realm %q", ErrNotFound, name)
		}
		in.Org = old.Org
		kept, err := r.keepSecrets(&in, old)
		if err != nil {
			return err
		}
		if rl, err = in.validate(); err != nil {
			return err
		}
		r.sealServers(&rl, in, kept)
		if err := r.setClientCert(&rl, in, &old); err != nil {
			return err
		}
		rl.Created = old.Created
		if rl.Name != old.Name {
			if tx.Has(store.Realms, rl.Name) {
				return fmt.Errorf("%w: realm %q", ErrExists, rl.Name)
			}
			if err := tx.Delete(store.Realms, old.Name); err != nil {
				return err
			}
		}
		return tx.Put(store.Realms, rl.Name, rl)
	})
	if err != nil {
		return Realm{}, err
	}
	return rl, r.reloadRealms()
}

// keepSecrets fills the missing secrets of in's UDP servers from old's
// servers at the same address, and returns which servers of in took
// old's sealed secret (by index).
func (r *Registry) keepSecrets(in *RealmInput, old Realm) (map[int]string, error) {
	kept := map[int]string{}
	for i, s := range in.Servers {
		if s.Secret != "" || (s.Transport != "" && s.Transport != TransportUDP) {
			continue
		}
		where := s.Address
		if ap, host, ok := parseServerAddr(s.Address, 0); ok {
			where = HomeServer{Address: ap}.named(host).Where()
		}
		for _, o := range old.Servers {
			if o.Transport != TransportUDP || o.Where() != where {
				continue
			}
			sec, err := r.sealer.Open(o.SecretSealed)
			if err != nil {
				return nil, fmt.Errorf("hotspots: realm %s: home server %s secret: %w", old.Name, o.Where(), err)
			}
			in.Servers[i].Secret, kept[i] = sec, o.SecretSealed
		}
	}
	return kept, nil
}

// sealServers seals the secrets of rl's servers, as given in in, but
// those kept sealed as they were.
func (r *Registry) sealServers(rl *Realm, in RealmInput, kept map[int]string) {
	for i, hs := range rl.Servers {
		if s, ok := kept[i]; ok {
			rl.Servers[i].SecretSealed = s
			continue
		}
		sec := in.Servers[i].Secret
		if hs.Transport == TransportRadSec {
			sec = RadSecSecret
		}
		rl.Servers[i].SecretSealed = r.sealer.Seal(sec)
	}
}
