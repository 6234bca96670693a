package store

import (
	"encoding/json"
	"fmt"
	"strconv"

	bolt "go.etcd.io/bbolt"
)

const metaBucket = "meta"

// Buckets of the current schema, one per record kind. The package that owns a
// bucket is named beside it; nobody else touches it.
const (
	NAS          = "nas"           // hotspots: NAS gateways, key NAS id
	Orgs         = "orgs"          // hotspots: organisations, key code
	Venues       = "venues"        // hotspots: venues, key org/locationID
	Plans        = "plans"         // hotspots: access plans, key name
	APs          = "aps"           // hotspots: access points, key AP id
	Staff        = "staff"         // hotspots: staff accounts, key username
	Tokens       = "tokens"        // hotspots: API and agent token hashes
	Audit        = "audit"         // hotspots: audit log, key sequence
	Visitors     = "visitors"      // visitors: accounts, key username
	Devices      = "devices"       // visitors: remembered MACs, key MAC
	Credentials  = "credentials"   // visitors: one-time and voucher credentials
	Allowances   = "allowances"    // visitors: per-device daily usage
	Sessions     = "sessions"      // sessions: accounting sessions, key nas/acct-session-id
	AcctSeen     = "acct_seen"     // sessions: accounting packets already applied
	Reports      = "reports"       // telemetry: agent reports, key ap/seq
	APStatus     = "ap_status"     // telemetry: latest AP status, key AP id
	Series       = "series"        // telemetry: 5-minute buckets
	Alerts       = "alerts"        // telemetry: AP offline/recovered alerts
	PortalEvents = "portal_events" // portal: rate-limit and OTP state
	APMACs       = "ap_macs"       // hotspots: AP id by MAC (schema 2)
)

// migrations bring a store from version i to i+1. Append only: a released
// migration is never edited.
var migrations = []func(*bolt.Tx) error{
	createBuckets(NAS, Orgs, Venues, Plans, APs, Staff, Tokens, Audit,
		Visitors, Devices, Credentials, Allowances, Sessions, AcctSeen,
		Reports, APStatus, Series, Alerts, PortalEvents),
	indexAPMACs,
}

// indexAPMACs (schema 2) indexes APs by MAC, so that registering one no
// longer reads every AP to refuse a duplicate.
func indexAPMACs(tx *bolt.Tx) error {
	idx, err := tx.CreateBucketIfNotExists([]byte(APMACs))
	if err != nil {
		return err
	}
	return tx.Bucket([]byte(APs)).ForEach(func(k, v []byte) error {
		var ap struct{ MAC string }
		if err := json.Unmarshal(v, &ap); err != nil {
			return fmt.Errorf("AP %s: %w", k, err)
		}
		id, _ := json.Marshal(string(k)) // records are JSON values
		return idx.Put([]byte(ap.MAC), id)
	})
}

// SchemaVersion is the version this program writes.
var SchemaVersion = len(migrations)

func createBuckets(names ...string) func(*bolt.Tx) error {
	return func(tx *bolt.Tx) error {
		for _, n := range names {
			if _, err := tx.CreateBucketIfNotExists([]byte(n)); err != nil {
				return fmt.Errorf("create bucket %s: %w", n, err)
			}
		}
		return nil
	}
}

func (db *DB) migrate() error {
	return db.bolt.Update(func(tx *bolt.Tx) error {
		meta, err := tx.CreateBucketIfNotExists([]byte(metaBucket))
		if err != nil {
			return fmt.Errorf("store: %w", err)
		}
		v := 0
		if raw := meta.Get([]byte("schema")); raw != nil {
			if v, err = strconv.Atoi(string(raw)); err != nil {
				return fmt.Errorf("store: bad schema version %q", raw)
			}
		}
		if v > len(migrations) {
			return fmt.Errorf("%w (file %d, program %d)", ErrNewerSchema, v, len(migrations))
		}
		for ; v < len(migrations); v++ {
			if err := migrations[v](tx); err != nil {
				return fmt.Errorf("store: migration %d: %w", v+1, err)
			}
		}
		return meta.Put([]byte("schema"), []byte(strconv.Itoa(v)))
	})
}

// Version returns the schema version recorded in the file.
func (db *DB) Version() (int, error) {
	var v int
	err := db.bolt.View(func(tx *bolt.Tx) error {
		raw := tx.Bucket([]byte(metaBucket)).Get([]byte("schema"))
		var err error
		v, err = strconv.Atoi(string(raw))
		return err
	})
	return v, err
}
