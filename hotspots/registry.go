package hotspots

import (
	"fmt"
	"log/slog"
	"net/netip"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wifihk/wifihk/internal/secrets"
	"github.com/wifihk/wifihk/internal/store"
)

// Registry is the hotspot registry over a store.
type Registry struct {
	db     *store.DB
	sealer *secrets.Sealer
	now    func() time.Time
	nas    atomic.Pointer[nasIndex] // read on every RADIUS packet
	nasMu  sync.Mutex               // one reload at a time, so the last read is the one kept
	// realms is the realm table, read on every Access-Request (realms.go).
	realms  atomic.Pointer[realmIndex]
	realmMu sync.Mutex
	view    viewCache // venues and APs in memory: lists, nearest, coverage
	logger  atomic.Pointer[slog.Logger]
	tokens  tokenMemo // agent tokens, for when the store is unreachable
}

// New returns a registry and loads its in-memory NAS index. It corrects
// the district of stored venues that are not in the district their
// position gives (see redistrict).
func New(db *store.DB, sealer *secrets.Sealer) (*Registry, error) {
	r := &Registry{db: db, sealer: sealer, now: time.Now}
	r.follow()
	if err := r.reloadNAS(); err != nil {
		return nil, err
	}
	if err := r.reloadRealms(); err != nil {
		return nil, err
	}
	if err := r.redistrict(); err != nil {
		return nil, err
	}
	return r, nil
}

// DB is the registry's store, for packages that keep their own records in it.
func (r *Registry) DB() *store.DB { return r.db }

// Sealer seals and opens the registry's secrets.
func (r *Registry) Sealer() *secrets.Sealer { return r.sealer }

// AddNAS registers a gateway with its own shared secret.
func (r *Registry) AddNAS(in NASInput) (NAS, error) {
	p, err := in.validate()
	if err != nil {
		return NAS{}, fmt.Errorf("hotspots: %w", err)
	}
	n := NAS{
		ID: in.Name, Name: in.Name, Prefix: p, Hotspot: in.Hotspot,
		CoAPort: in.CoAPort, RequireMA: in.RequireMA, Identifier: in.Identifier,
		PortalAuth: in.PortalAuth, SecretSealed: r.sealer.Seal(in.Secret), Cert: in.Cert,
		Created: r.now().UTC(),
	}
	if n.CoAPort == 0 {
		n.CoAPort = 3799
	}
	if n.RequireMA == "" {
		n.RequireMA = MARequire
	}
	if n.PortalAuth == "" {
		n.PortalAuth = "chap"
	}
	if in.UAMSecret != "" {
		n.UAMSecretSealed = r.sealer.Seal(in.UAMSecret)
	}
	err = r.db.Update(func(tx *store.Tx) error {
		if err := checkNASTx(tx, in.Hotspot, p, ""); err != nil {
			return err
		}
		if err := checkCertTx(tx, in.Cert); err != nil {
			return err
		}
		if err := tx.Insert(store.NAS, n.ID, n); err != nil {
			return fmt.Errorf("%w: name %q", ErrNASExists, n.Name)
		}
		return nil
	})
	if err != nil {
		return NAS{}, err
	}
	return n, r.reloadNAS()
}

// checkNASTx checks that hotspot exists and that no NAS but self sends
// from addresses in p.
func checkNASTx(tx *store.Tx, hotspot VenueKey, p netip.Prefix, self string) error {
	if hotspot != "" && !tx.Has(store.Venues, hotspot.String()) {
		return fmt.Errorf("hotspots: hotspot: no venue %q", hotspot)
	}
	clash, err := store.List(tx, store.NAS, store.Query[NAS]{Limit: 1,
		Keep: func(o *NAS) bool { return o.ID != self && o.Prefix.Overlaps(p) }})
	if err != nil {
		return err
	}
	if len(clash) > 0 {
		o := clash[0]
		return fmt.Errorf("%w: ip: %s overlaps NAS %q (%s)", ErrNASExists, p, o.Name, o.Prefix)
	}
	return nil
}

// ListNAS returns every NAS, by name.
func (r *Registry) ListNAS() ([]NAS, error) {
	idx := r.nas.Load()
	out := make([]NAS, len(idx.byName))
	copy(out, idx.byName)
	return out, nil
}

// LookupNAS finds a NAS in memory by the key a gateway sends: its
// NAS-Identifier (UAM nasid), its name when it has no identifier, or its id.
func (r *Registry) LookupNAS(key string) (NAS, bool) {
	n, ok := r.nas.Load().byKey[key]
	return n, ok
}

// NASByID returns one NAS.
func (r *Registry) NASByID(id string) (NAS, error) {
	var n NAS
	err := r.db.View(func(tx *store.Tx) error { return tx.Get(store.NAS, id, &n) })
	return n, err
}

// NASForAddr returns the NAS whose prefix holds addr (longest match), with
// its shared secret opened. ok is false for an unknown source.
func (r *Registry) NASForAddr(addr netip.Addr) (n NAS, secret string, ok bool) {
	idx := r.nas.Load()
	addr = addr.Unmap()
	for _, e := range idx.byPrefixLen { // longest prefix first
		if e.nas.Prefix.Contains(addr) {
			return e.nas, e.secret, true
		}
	}
	return NAS{}, "", false
}

// Secret opens a NAS's RADIUS shared secret.
func (r *Registry) Secret(n NAS) (string, error) { return r.sealer.Open(n.SecretSealed) }

// UAMSecret opens a NAS's UAM secret ("" when it has none).
func (r *Registry) UAMSecret(n NAS) (string, error) {
	if n.UAMSecretSealed == "" {
		return "", nil
	}
	return r.sealer.Open(n.UAMSecretSealed)
}

type nasEntry struct {
	nas    NAS
	secret string
}

type nasIndex struct {
	byName      []NAS
	byPrefixLen []nasEntry
	byKey       map[string]NAS // see LookupNAS
	byCert      []NAS          // those with a RadSec certificate identity
}

func (r *Registry) reloadNAS() error {
	r.nasMu.Lock()
	defer r.nasMu.Unlock()
	idx := &nasIndex{byKey: map[string]NAS{}}
	err := r.db.View(func(tx *store.Tx) (err error) {
		idx.byName, err = store.List(tx, store.NAS, store.Query[NAS]{})
		return err
	})
	if err != nil {
		return err
	}
	for _, n := range idx.byName {
		sec, err := r.sealer.Open(n.SecretSealed)
		if err != nil {
			return fmt.Errorf("hotspots: NAS %s secret: %w", n.Name, err)
		}
		idx.byKey[n.ID] = n
		if n.Identifier == "" {
			idx.byKey[n.Name] = n
		}
		idx.byPrefixLen = append(idx.byPrefixLen, nasEntry{n, sec})
		if !n.Cert.IsZero() {
			idx.byCert = append(idx.byCert, n)
		}
	}
	for _, n := range idx.byName {
		if n.Identifier != "" {
			idx.byKey[n.Identifier] = n
		}
	}
	sort.SliceStable(idx.byPrefixLen, func(i, j int) bool {
		return idx.byPrefixLen[i].nas.Prefix.Bits() > idx.byPrefixLen[j].nas.Prefix.Bits()
	})
	r.nas.Store(idx)
	return nil
}
