package hotspots

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/wifihk/wifihk/internal/store"
	"github.com/wifihk/wifihk/internal/token"
)

// AP is an access point at a venue, which runs wifihk-agent.
type AP struct {
	ID        string    `json:"id"`
	Hotspot   VenueKey  `json:"hotspot"` // the venue it is at
	Name      string    `json:"name"`
	MAC       string    `json:"mac"` // lower-case, colon-separated
	TokenHash string    `json:"token_hash"`
	Created   time.Time `json:"created"`
}

// Org is the organisation code of the AP's venue.
func (a AP) Org() string { return a.Hotspot.Org() }

// NormalizeMAC accepts aa:bb:cc:dd:ee:ff, AA-BB-CC-DD-EE-FF or aabb.ccdd.eeff.
func NormalizeMAC(s string) (string, error) {
	hw, err := net.ParseMAC(strings.TrimSpace(s))
	if err != nil || len(hw) != 6 {
		return "", fmt.Errorf("mac: %q is not a 6-byte MAC address", s)
	}
	return hw.String(), nil
}

// AddAP registers an access point at a venue and returns it with its agent
// token. The token is shown once; only its hash is kept.
func (r *Registry) AddAP(hotspot VenueKey, name, mac string) (AP, string, error) {
	mac, err := NormalizeMAC(mac)
	if err != nil {
		return AP{}, "", fmt.Errorf("hotspots: %w", err)
	}
	if name == "" || len(name) > 100 {
		return AP{}, "", fmt.Errorf("hotspots: name: must be 1-100 characters")
	}
	tok, hash := token.New("wha_")
	ap := AP{Hotspot: hotspot, Name: name, MAC: mac, TokenHash: hash, Created: r.now().UTC()}
	err = r.db.Update(func(tx *store.Tx) error {
		if !tx.Has(store.Venues, hotspot.String()) {
			return fmt.Errorf("hotspots: hotspot: no venue %q", hotspot)
		}
		if tx.Has(store.APMACs, mac) {
			return fmt.Errorf("hotspots: mac: an AP with MAC %s is already registered", mac)
		}
		seq, err := tx.NextID(store.APs)
		if err != nil {
			return err
		}
		ap.ID = fmt.Sprintf("ap-%d", seq)
		if err := tx.Insert(store.APs, ap.ID, ap); err != nil {
			return err
		}
		if err := tx.Put(store.APMACs, mac, ap.ID); err != nil {
			return err
		}
		return tx.Insert(store.AgentTokens, hash, ap.ID)
	})
	if err != nil {
		return AP{}, "", err
	}
	r.view.invalidateAPs()
	return ap, tok, nil
}

// APByToken returns the AP an agent token belongs to, ErrBadToken when it
// belongs to none, or the store's error (store.ErrUnavailable when it
// cannot answer: the agent should retry, not give up its token). While
// the store cannot answer, a token it vouched for before still names its
// AP, so that reports are journaled through an outage.
func (r *Registry) APByToken(tok string) (AP, error) {
	var ap AP
	hash := token.Hash(tok)
	err := r.db.View(func(tx *store.Tx) error {
		var id string
		err := tx.Get(store.AgentTokens, hash, &id)
		if err == nil {
			err = tx.Get(store.APs, id, &ap)
		}
		if errors.Is(err, store.ErrNotFound) {
			return ErrBadToken
		}
		return err
	})
	switch {
	case err == nil:
		r.tokens.put(hash, ap)
	case errors.Is(err, ErrBadToken):
		r.tokens.drop(hash)
	case errors.Is(err, store.ErrUnavailable):
		if known, ok := r.tokens.get(hash); ok {
			return known, nil // the store's last word, while it cannot speak
		}
		fallthrough
	default:
		return AP{}, fmt.Errorf("hotspots: agent token: %w", err)
	}
	return ap, err
}

// APByID returns one AP, or ErrNotFound.
func (r *Registry) APByID(id string) (AP, error) {
	var ap AP
	err := r.db.View(func(tx *store.Tx) error { return getOr404(tx, store.APs, id, &ap, "AP") })
	return ap, err
}
