package config

import (
	"fmt"
	"time"
)

// day is 24 hours, for the defaults below.
const day = 24 * time.Hour

// Retention says how long each kind of record is kept, when stale
// sessions close, and whether closed sessions are archived before they
// go. Durations are Go durations ("9528h" is 397 days).
type Retention struct {
	// Sessions keeps a closed accounting session this long after it
	// stopped. Default 9528h (397 days: 13 months). 0 keeps them forever.
	Sessions time.Duration `yaml:"sessions"`
	// OneTimeCredentials keeps an account's expired portal logons, for a
	// support question about a login. Default 24h.
	OneTimeCredentials time.Duration `yaml:"one_time_credentials"`
	// Devices keeps a remembered device after its memory expired.
	// Default 24h.
	Devices time.Duration `yaml:"devices"`
	// SignupCodes keeps an unused sign-up or reset code (and the contact
	// it went to) after it expired. Default 1h.
	SignupCodes time.Duration `yaml:"signup_codes"`
	// FreeAllowances keeps the per-device counts of free sessions of a
	// day; they only matter on that day. Default 48h.
	FreeAllowances time.Duration `yaml:"free_allowances"`
	// The agents' series: AP buckets default 48h, venue buckets 720h
	// (30 days), alerts 2160h (90 days), report receipts 168h (7 days).
	APSeries    time.Duration `yaml:"ap_series"`
	VenueSeries time.Duration `yaml:"venue_series"`
	Alerts      time.Duration `yaml:"alerts"`
	Receipts    time.Duration `yaml:"receipts"`
	// UsageHourly keeps the hourly usage figures (usage/) this long.
	// Default 9528h (397 days: 13 months).
	UsageHourly time.Duration `yaml:"usage_hourly"`

	// Every is how often the purge runs. Default 10m.
	Every time.Duration `yaml:"every"`
	// Batch is how many sessions one commit removes. Default 100.
	Batch int `yaml:"batch"`
	// Pause is the rest between batches, for RADIUS. Default 20ms.
	Pause time.Duration `yaml:"pause"`
	// Yield is the longest a batch waits for a pause in accounting
	// traffic while it keeps coming. Default 1.5s.
	Yield time.Duration `yaml:"yield"`
	// Disabled turns retention and the stale-session close off on this
	// node: in a cluster on PostgreSQL, one node should run them.
	Disabled bool `yaml:"disabled"`

	Stale   Stale   `yaml:"stale"`
	Archive Archive `yaml:"archive"`
}

// Stale says when an open session whose NAS went silent is closed.
type Stale struct {
	// Multiple of the session's interim interval (from its plan) without
	// accounting. Default 3.
	Multiple int `yaml:"multiple"`
	// NoInterim is the silence after which a session whose plan sends no
	// interim updates is closed. Default 24h.
	NoInterim time.Duration `yaml:"no_interim"`
	// Every is how often open sessions are checked. Default 1m.
	Every time.Duration `yaml:"every"`
}

// Archive keeps closed sessions in monthly files before they are removed.
type Archive struct {
	// Enabled turns archiving on. Default off.
	Enabled bool `yaml:"enabled"`
	// Dir holds the files. Default: the data dir's archive folder.
	Dir string `yaml:"dir"`
	// Pseudonymise replaces user name, MAC and IP address with keyed
	// pseudonyms. Default on.
	Pseudonymise bool `yaml:"pseudonymise"`
}

// DefaultRetention is the retention with every default filled in.
func DefaultRetention() Retention {
	return Retention{
		Sessions: 397 * day, OneTimeCredentials: day, Devices: day, SignupCodes: time.Hour,
		FreeAllowances: 2 * day, APSeries: 2 * day, VenueSeries: 30 * day, Alerts: 90 * day, Receipts: 7 * day,
		UsageHourly: 397 * day,
		Every:       10 * time.Minute, Batch: 100, Pause: 20 * time.Millisecond, Yield: 1500 * time.Millisecond,
		Stale:   Stale{Multiple: 3, NoInterim: day, Every: time.Minute},
		Archive: Archive{Pseudonymise: true},
	}
}

func (r Retention) validate() error {
	for _, d := range []struct {
		name string
		v    time.Duration
		min  time.Duration
	}{
		{"one_time_credentials", r.OneTimeCredentials, 0},
		{"devices", r.Devices, 0},
		{"signup_codes", r.SignupCodes, 0},
		{"free_allowances", r.FreeAllowances, day},
		{"ap_series", r.APSeries, 5 * time.Minute},
		{"venue_series", r.VenueSeries, 5 * time.Minute},
		{"alerts", r.Alerts, time.Hour},
		{"receipts", r.Receipts, time.Hour},
		{"usage_hourly", r.UsageHourly, 2 * day},
		{"every", r.Every, time.Millisecond},
		{"pause", r.Pause, 0},
		{"yield", r.Yield, 0},
		{"stale.no_interim", r.Stale.NoInterim, time.Minute},
		{"stale.every", r.Stale.Every, time.Millisecond},
	} {
		if d.v < d.min {
			return fmt.Errorf("config: retention.%s: %v is under %v", d.name, d.v, d.min)
		}
	}
	// Coverage counts the day's devices from the sessions.
	if r.Sessions != 0 && r.Sessions < day {
		return fmt.Errorf("config: retention.sessions: %v is under 24h (0 keeps them forever)", r.Sessions)
	}
	if r.Batch < 1 || r.Batch > 10000 {
		return fmt.Errorf("config: retention.batch: %d is not between 1 and 10000", r.Batch)
	}
	if r.Stale.Multiple < 2 {
		return fmt.Errorf("config: retention.stale.multiple: %d is under 2", r.Stale.Multiple)
	}
	return nil
}
