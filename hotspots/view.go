package hotspots

import (
	"sort"
	"sync"
	"sync/atomic"

	"github.com/wifihk/wifihk/internal/store"
)

// viewCache keeps read-only snapshots of all venues and all APs in memory
// for listing with filters, the nearest-venue index and coverage. A write
// bumps a generation; the next reader rebuilds the snapshot once.
type viewCache struct {
	mu        sync.Mutex // one rebuild at a time
	venueGen  atomic.Uint64
	apGen     atomic.Uint64
	orgGen    atomic.Uint64
	planGen   atomic.Uint64
	planMemo  sync.Map // NAS id -> planMemo, see PlanForNAS
	venueSnap atomic.Pointer[venueSnapshot]
	apSnap    atomic.Pointer[apSnapshot]
	covMu     sync.Mutex // one coverage index build at a time
	cov       atomic.Pointer[coverageIndex]
}

func (c *viewCache) invalidateVenues() { c.venueGen.Add(1) }
func (c *viewCache) invalidateAPs()    { c.apGen.Add(1) }

// venueSnapshot is every venue, by key, with a spatial index.
type venueSnapshot struct {
	gen   uint64
	list  []Venue
	byKey map[VenueKey]int32
	tree  kdTree
}

// apSnapshot is every AP's venue.
type apSnapshot struct {
	gen      uint64
	ids      []string // by id
	venueOf  map[string]VenueKey
	perVenue map[VenueKey]int
}

// venues returns the current venue snapshot, rebuilding it after a write.
func (r *Registry) venues() (*venueSnapshot, error) {
	c := &r.view
	gen := c.venueGen.Load()
	if s := c.venueSnap.Load(); s != nil && s.gen == gen {
		return s, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	gen = c.venueGen.Load()
	if s := c.venueSnap.Load(); s != nil && s.gen == gen {
		return s, nil
	}
	s := &venueSnapshot{gen: gen, byKey: map[VenueKey]int32{}}
	err := r.db.View(func(tx *store.Tx) (err error) {
		s.list, err = store.List(tx, store.Venues, store.Query[Venue]{})
		return err
	})
	if err != nil {
		return nil, err
	}
	pts := make([]kdPoint, len(s.list))
	for i := range s.list {
		s.byKey[s.list[i].Key()] = int32(i)
		pts[i] = kdPoint{unitVector(s.list[i].Latitude, s.list[i].Longitude), int32(i)}
	}
	s.tree = buildKDTree(pts)
	c.venueSnap.Store(s)
	return s, nil
}

// aps returns the current AP snapshot, rebuilding it after a write.
func (r *Registry) aps() (*apSnapshot, error) {
	c := &r.view
	gen := c.apGen.Load()
	if s := c.apSnap.Load(); s != nil && s.gen == gen {
		return s, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	gen = c.apGen.Load()
	if s := c.apSnap.Load(); s != nil && s.gen == gen {
		return s, nil
	}
	s := &apSnapshot{gen: gen, venueOf: map[string]VenueKey{}, perVenue: map[VenueKey]int{}}
	type apVenue struct { // the two fields of an AP the snapshot needs
		ID      string   `json:"id"`
		Hotspot VenueKey `json:"hotspot"`
	}
	var aps []apVenue
	err := r.db.View(func(tx *store.Tx) (err error) {
		aps, err = store.List(tx, store.APs, store.Query[apVenue]{})
		return err
	})
	if err != nil {
		return nil, err
	}
	for _, ap := range aps {
		s.ids = append(s.ids, ap.ID)
		s.venueOf[ap.ID] = ap.Hotspot
		s.perVenue[ap.Hotspot]++
	}
	sort.Strings(s.ids)
	c.apSnap.Store(s)
	return s, nil
}

func (c *viewCache) invalidateOrgs()  { c.orgGen.Add(1) }
func (c *viewCache) invalidatePlans() { c.planGen.Add(1) }

// DataVersion changes whenever a venue or an organisation changes, so that
// views built from them (the open-data files) can be cached.
func (r *Registry) DataVersion() uint64 {
	return r.view.venueGen.Load()<<32 + r.view.orgGen.Load()
}
