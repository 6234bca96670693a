package cluster

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/wifihk/wifihk/controller"
	"github.com/wifihk/wifihk/controller/config"
	"github.com/wifihk/wifihk/hotspots"
	"github.com/wifihk/wifihk/internal/datadir"
	"github.com/wifihk/wifihk/visitors"
)

// nasSecret is the simulated gateways' RADIUS secret (NAS "soak" at
// 127.0.0.1).
const nasSecret = "soak-secret-1"

// seeded is what the soak put in the database before the nodes started.
type seeded struct {
	accounts []string          // visitor accounts (CHAP, Simultaneous-Use 1); the password is accountPassword
	devices  []device          // click-through devices, each with free passes
	aps      map[string]string // AP ID -> agent token
	perDay   int               // free sessions a day per device
}

// device is a phone with free passes issued for it, more than its daily
// allowance.
type device struct {
	mac    string
	passes []credential
}

type credential struct{ user, password string }

const accountPassword = "soak-password-1"

// seed initialises data dir dirs[0] on the database at url (a NAS, an
// organisation and venue with APs, visitor accounts, free passes) and
// makes dirs[1:] nodes of the same installation: the same master.key (the
// sealed secrets and free passes), the same store.
func seed(dirs []string, url string, c Config) (seeded, error) {
	cfg := config.Default()
	cfg.DataDir, cfg.Store.URL = dirs[0], url
	a, err := controller.New(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		return seeded{}, err
	}
	s, err := seedApp(a, c)
	if cerr := a.DB.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return seeded{}, err
	}
	key, err := os.ReadFile(datadir.Dir(dirs[0]).MasterKey())
	if err != nil {
		return seeded{}, err
	}
	for _, d := range dirs[1:] {
		if err := controller.RememberStore(d, url); err != nil {
			return seeded{}, err
		}
		if err := os.WriteFile(filepath.Join(d, filepath.Base(datadir.Dir(d).MasterKey())), key, 0o600); err != nil {
			return seeded{}, err
		}
	}
	return s, nil
}

func seedApp(a *controller.App, c Config) (seeded, error) {
	s := seeded{aps: map[string]string{}}
	nas, err := a.Registry.AddNAS(hotspots.NASInput{Name: "soak", IP: "127.0.0.1", Secret: nasSecret, Identifier: "soak"})
	if err != nil {
		return s, err
	}
	if _, err := a.Registry.AddOrg(hotspots.Org{Code: "soak", NameEN: "Soak"}); err != nil {
		return s, err
	}
	v, err := a.Registry.AddVenue(hotspots.Venue{Org: "soak", LocationID: "V1", NameEN: "Soak Venue", TypeEN: "Library",
		AddressEN: "1 Soak Road", District: "Wan Chai", Latitude: 22.28, Longitude: 114.18})
	if err != nil {
		return s, err
	}
	for i := range c.APs {
		ap, tok, err := a.Registry.AddAP(v.Key(), fmt.Sprintf("soak-ap-%d", i), fmt.Sprintf("02:50:00:00:00:%02x", i))
		if err != nil {
			return s, err
		}
		s.aps[ap.ID] = tok
	}
	vis := visitors.New(a.DB, a.Sealer)
	for i := range c.Accounts {
		u := fmt.Sprintf("soak%d", i)
		// CHAP, so that logins need no argon2id check (slow on a loaded machine).
		if _, err := vis.AddAccount(visitors.AccountInput{Username: u, Password: accountPassword, CHAP: true}); err != nil {
			return s, err
		}
		s.accounts = append(s.accounts, u)
	}
	plan := hotspots.DefaultPlan() // the NAS has no venue
	s.perDay = plan.SessionsPerDay
	for i := range c.Devices {
		d := device{mac: fmt.Sprintf("02:5d:00:00:%02x:%02x", i>>8, i&0xff)}
		for range s.perDay + 1 { // one more than the allowance
			p, secret, _, err := vis.IssueFree(visitors.OneTimeInput{MAC: d.mac, NAS: nas.ID, Plan: &plan, TTL: time.Hour}, s.perDay)
			if err != nil {
				return s, err
			}
			d.passes = append(d.passes, credential{p.Username, secret})
		}
		s.devices = append(s.devices, d)
	}
	return s, nil
}
