package hotspots

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/wifihk/wifihk/internal/store"
)

// checkPlan validates a named plan and names the wrong field.
func checkPlan(p Plan) error {
	if !nameRE.MatchString(p.Name) {
		return fieldErr("name", "%q must be 1-64 letters, digits, '.', '_' or '-'", p.Name)
	}
	if p.Org != "" && !ValidOrgCode(p.Org) {
		return fieldErr("org", "%q is not an organisation code", p.Org)
	}
	if err := p.Validate(); err != nil {
		// Validate says "plan NAME: FIELD: problem".
		rest := strings.TrimPrefix(err.Error(), "plan "+p.Name+": ")
		field, problem, ok := strings.Cut(rest, ": ")
		if !ok {
			field, problem = "plan", rest
		}
		return fieldErr(field, "%s", problem)
	}
	return nil
}

// AddPlan stores a new named plan.
func (r *Registry) AddPlan(p Plan) (Plan, error) {
	if err := checkPlan(p); err != nil {
		return Plan{}, err
	}
	err := r.db.Update(func(tx *store.Tx) error {
		if p.Org != "" && !tx.Has(store.Orgs, p.Org) {
			return fieldErr("org", "no organisation %q", p.Org)
		}
		if err := tx.Insert(store.Plans, p.Name, p); err != nil {
			return fmt.Errorf("%w: plan %q", ErrExists, p.Name)
		}
		return nil
	})
	r.view.invalidatePlans()
	return p, err
}

// UpdatePlan replaces a plan's limits; its owner does not change.
func (r *Registry) UpdatePlan(p Plan) (Plan, error) {
	if err := checkPlan(p); err != nil {
		return Plan{}, err
	}
	err := r.db.Update(func(tx *store.Tx) error {
		var old Plan
		if err := getOr404(tx, store.Plans, p.Name, &old, "plan"); err != nil {
			return err
		}
		if old.Org != p.Org {
			return fieldErr("org", "a plan's organisation cannot change (is %q)", old.Org)
		}
		return tx.Put(store.Plans, p.Name, p)
	})
	r.view.invalidatePlans()
	return p, err
}

// Plan returns a named plan.
func (r *Registry) Plan(name string) (Plan, error) {
	var p Plan
	err := r.db.View(func(tx *store.Tx) error { return getOr404(tx, store.Plans, name, &p, "plan") })
	return p, err
}

// ListPlans returns every named plan by name.
func (r *Registry) ListPlans() ([]Plan, error) {
	var out []Plan
	err := r.db.View(func(tx *store.Tx) (err error) {
		out, err = store.List(tx, store.Plans, store.Query[Plan]{})
		return err
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, err
}

// DeletePlan removes a plan that no venue uses.
func (r *Registry) DeletePlan(name string) error {
	if _, err := r.Plan(name); err != nil {
		return err
	}
	snap, err := r.venues()
	if err != nil {
		return err
	}
	for _, v := range snap.list {
		if v.Plan == name {
			return fmt.Errorf("%w: venue %q uses plan %q", ErrInUse, v.Key(), name)
		}
	}
	defer r.view.invalidatePlans()
	return r.db.Update(func(tx *store.Tx) error { return tx.Delete(store.Plans, name) })
}

// PlanForNAS is the plan that applies to visitors of a NAS: the plan of the
// venue the NAS belongs to, or def where the NAS has no venue, the venue has
// no plan, or the plan has gone.
//
// It is on the path of every Access-Request and portal page, so each NAS's
// answer is remembered until a venue or a plan changes.
func (r *Registry) PlanForNAS(n NAS, def Plan) Plan {
	if n.Hotspot == "" {
		return def
	}
	gen := r.view.venueGen.Load()<<32 | r.view.planGen.Load()
	if m, ok := r.view.planMemo.Load(n.ID); ok {
		if m := m.(planMemo); m.gen == gen && m.hotspot == n.Hotspot {
			if m.useDefault {
				return def
			}
			return m.plan
		}
	}
	p, found := r.venuePlan(n)
	r.view.planMemo.Store(n.ID, planMemo{gen: gen, hotspot: n.Hotspot, plan: p, useDefault: !found})
	if !found {
		return def
	}
	return p
}

type planMemo struct {
	gen        uint64
	hotspot    VenueKey
	plan       Plan
	useDefault bool
}

// venuePlan reads the plan of n's venue; found is false when there is none.
func (r *Registry) venuePlan(n NAS) (p Plan, found bool) {
	err := r.db.View(func(tx *store.Tx) error {
		var v Venue
		if err := tx.Get(store.Venues, n.Hotspot.String(), &v); err != nil || v.Plan == "" {
			return err
		}
		found = v.Plan != ""
		return tx.Get(store.Plans, v.Plan, &p)
	})
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			r.log().Warn("plan for NAS", "nas", n.Name, "err", err)
		}
		return Plan{}, false
	}
	return p, found
}
