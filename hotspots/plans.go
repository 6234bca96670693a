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
	err := r.db.View(func(tx *store.Tx) error {
		return tx.Scan(store.Plans, "", func(_ string, dec func(any) error) (bool, error) {
			var p Plan
			if err := dec(&p); err != nil {
				return false, err
			}
			out = append(out, p)
			return true, nil
		})
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
	return r.db.Update(func(tx *store.Tx) error { return tx.Delete(store.Plans, name) })
}

// PlanForNAS is the plan that applies to visitors of a NAS: the plan of the
// venue the NAS belongs to, or def where the NAS has no venue, the venue has
// no plan, or the plan has gone.
func (r *Registry) PlanForNAS(n NAS, def Plan) Plan {
	if n.Hotspot == "" {
		return def
	}
	p := def
	err := r.db.View(func(tx *store.Tx) error {
		var v Venue
		if err := tx.Get(store.Venues, n.Hotspot, &v); err != nil || v.Plan == "" {
			return err
		}
		return tx.Get(store.Plans, v.Plan, &p)
	})
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			r.log().Warn("plan for NAS", "nas", n.Name, "err", err)
		}
		return def
	}
	return p
}
