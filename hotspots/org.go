package hotspots

import (
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"sort"
	"time"

	"github.com/wifihk/wifihk/internal/store"
)

// Org is an organisation that runs venues: a department, a library network,
// a school, a mall, a carrier. Its code is the open data's OrganisationCode.
type Org struct {
	Code           string    `json:"code"`
	NameEN         string    `json:"name_en"`
	NameTC         string    `json:"name_tc,omitempty"`
	NameSC         string    `json:"name_sc,omitempty"`
	SupportHotline string    `json:"support_hotline,omitempty"`
	SupportEmail   string    `json:"support_email,omitempty"`
	Created        time.Time `json:"created"`
	Updated        time.Time `json:"updated"`
}

var orgCodeRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$`)

// ValidOrgCode reports whether code can name an organisation.
func ValidOrgCode(code string) bool { return orgCodeRE.MatchString(code) }

func (o Org) validate() error {
	switch {
	case !ValidOrgCode(o.Code):
		return fieldErr("code", "%q must be 1-32 letters, digits, '_' or '-', starting with a letter or digit", o.Code)
	case len(o.NameEN) > 200 || len(o.NameTC) > 200 || len(o.NameSC) > 200:
		return fieldErr("name_en", "names must be at most 200 bytes")
	case len(o.SupportHotline) > 50:
		return fieldErr("support_hotline", "must be at most 50 characters")
	case o.SupportEmail != "" && !validEmail(o.SupportEmail):
		return fieldErr("support_email", "%q is not an e-mail address", o.SupportEmail)
	}
	return nil
}

func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && len(s) <= 254
}

// AddOrg registers an organisation.
func (r *Registry) AddOrg(o Org) (Org, error) {
	if err := o.validate(); err != nil {
		return Org{}, err
	}
	o.Created = r.now().UTC()
	o.Updated = o.Created
	err := r.db.Update(func(tx *store.Tx) error {
		if err := tx.Insert(store.Orgs, o.Code, o); err != nil {
			return fmt.Errorf("%w: organisation %q", ErrExists, o.Code)
		}
		return nil
	})
	r.view.invalidateOrgs()
	return o, err
}

// UpdateOrg replaces an organisation's names and support contacts.
func (r *Registry) UpdateOrg(o Org) (Org, error) {
	if err := o.validate(); err != nil {
		return Org{}, err
	}
	err := r.db.Update(func(tx *store.Tx) error {
		var old Org
		if err := getOr404(tx, store.Orgs, o.Code, &old, "organisation"); err != nil {
			return err
		}
		o.Created, o.Updated = old.Created, r.now().UTC()
		return tx.Put(store.Orgs, o.Code, o)
	})
	r.view.invalidateOrgs()
	return o, err
}

// Org returns one organisation.
func (r *Registry) Org(code string) (Org, error) {
	var o Org
	err := r.db.View(func(tx *store.Tx) error { return getOr404(tx, store.Orgs, code, &o, "organisation") })
	return o, err
}

// ListOrgs returns every organisation by code.
func (r *Registry) ListOrgs() ([]Org, error) {
	var out []Org
	err := r.db.View(func(tx *store.Tx) (err error) {
		out, err = store.List(tx, store.Orgs, store.Query[Org]{})
		return err
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out, err
}

// DeleteOrg removes an organisation that has no venues and no plans.
func (r *Registry) DeleteOrg(code string) error {
	return r.db.Update(func(tx *store.Tx) error {
		if !tx.Has(store.Orgs, code) {
			return fmt.Errorf("%w: organisation %q", ErrNotFound, code)
		}
		used := false
		tx.Scan(store.Venues, code+"/", func(string, func(any) error) (bool, error) {
			used = true
			return false, nil
		})
		if used {
			return fmt.Errorf("%w: organisation %q still has venues", ErrInUse, code)
		}
		plans, err := store.List(tx, store.Plans, store.Query[Plan]{Limit: 1,
			Keep: func(p *Plan) bool { return p.Org == code }})
		if err != nil {
			return err
		}
		if len(plans) > 0 {
			return fmt.Errorf("%w: organisation %q still has plan %q", ErrInUse, code, plans[0].Name)
		}
		r.view.invalidateOrgs()
		return tx.Delete(store.Orgs, code)
	})
}

// getOr404 is tx.Get that says which kind of record was missing.
func getOr404(tx *store.Tx, bucket, key string, v any, what string) error {
	err := tx.Get(bucket, key, v)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%w: %s %q", ErrNotFound, what, key)
	}
	return err
}
