package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

const metaBucket = "meta"

// Buckets of the current schema, one per record kind. The package that owns
// a bucket is named beside it: it alone reads and writes the bucket, and
// others call its methods (a test holds every package to this).
const (
	NAS          = "nas"           // hotspots: NAS gateways, key NAS id
	Orgs         = "orgs"          // hotspots: organisations, key code
	Venues       = "venues"        // hotspots: venues, key org/locationID
	Plans        = "plans"         // hotspots: access plans, key name
	APs          = "aps"           // hotspots: access points, key AP id
	APMACs       = "ap_macs"       // hotspots: AP id by MAC (schema 2)
	AgentTokens  = "agent_tokens"  // hotspots: AP id by agent token hash (schema 3)
	Audit        = "audit"         // hotspots: audit log, key sequence
	Staff        = "staff"         // staff: staff accounts, key username
	Tokens       = "tokens"        // staff: API token and console sign-in hashes
	Visitors     = "visitors"      // visitors: accounts, key username
	Devices      = "devices"       // visitors: remembered MACs, key MAC
	Credentials  = "credentials"   // visitors: one-time and voucher credentials
	Allowances   = "allowances"    // visitors: per-device daily usage
	PortalEvents = "portal_events" // visitors: sign-up codes and voucher batches
	Sessions     = "sessions"      // accounting: accounting sessions, key nas/acct-session-id
	AcctSeen     = "acct_seen"     // accounting: accounting packets already applied
	Reports      = "reports"       // telemetry: agent reports, key ap/seq
	APStatus     = "ap_status"     // telemetry: latest AP status, key AP id
	Series       = "series"        // telemetry: 5-minute buckets
	Alerts       = "alerts"        // telemetry: AP offline/recovered alerts
)

// A migration brings a store from one schema version to the next: it
// creates buckets, then runs (when set) over the new buckets.
type migration struct {
	create []string
	run    func(BackendTx) error
}

// migrations bring a store from version i to i+1. Append only: a released
// migration is never edited. Buckets derives the bucket list from them.
var migrations = []migration{
	{create: []string{NAS, Orgs, Venues, Plans, APs, Staff, Tokens, Audit,
		Visitors, Devices, Credentials, Allowances, Sessions, AcctSeen,
		Reports, APStatus, Series, Alerts, PortalEvents}},
	{create: []string{APMACs}, run: indexAPMACs},
	{create: []string{AgentTokens}, run: splitTokens},
}

// Buckets returns the name of every bucket of the current schema, in
// the order the migrations create them.
func Buckets() []string {
	var out []string
	for _, m := range migrations {
		out = append(out, m.create...)
	}
	return out
}

// indexAPMACs (schema 2) indexes APs by MAC, so that registering one no
// longer reads every AP to refuse a duplicate.
func indexAPMACs(tx BackendTx) error {
	return tx.Seek(APs, nil, func(k, v []byte) (bool, error) {
		var ap struct{ MAC string }
		if err := json.Unmarshal(v, &ap); err != nil {
			return false, fmt.Errorf("AP %s: %w", k, err)
		}
		id, _ := json.Marshal(string(k)) // records are JSON values
		return true, tx.Put(APMACs, []byte(ap.MAC), id)
	})
}

// splitTokens (schema 3) gives each bucket one owner. The agents' tokens
// leave the staff's tokens bucket for agent_tokens (hash → AP id), and
// the portal's form key leaves portal_events: it is now derived from
// master.key, as the console's is.
func splitTokens(tx BackendTx) error {
	var moved [][]byte
	err := tx.Seek(Tokens, nil, func(k, v []byte) (bool, error) {
		var rec struct{ Kind, ID string }
		if err := json.Unmarshal(v, &rec); err != nil {
			return false, fmt.Errorf("token %x: %w", k, err)
		}
		if rec.Kind != "agent" {
			return true, nil
		}
		id, _ := json.Marshal(rec.ID)
		moved = append(moved, bytes.Clone(k))
		return true, tx.Put(AgentTokens, k, id)
	})
	if err != nil {
		return err
	}
	for _, k := range moved {
		if err := tx.Delete(Tokens, k); err != nil {
			return err
		}
	}
	return tx.Delete(PortalEvents, []byte("key/forms"))
}

// SchemaVersion is the version this program writes.
var SchemaVersion = len(migrations)

func (m migration) apply(tx BackendTx) error {
	for _, n := range m.create {
		if err := tx.CreateBucket(n); err != nil {
			return fmt.Errorf("create bucket %s: %w", n, err)
		}
	}
	if m.run == nil {
		return nil
	}
	return m.run(tx)
}

var schemaKey = []byte("schema")

func (db *DB) migrate() error {
	return db.be.Update(func(tx BackendTx) error {
		if err := tx.CreateBucket(metaBucket); err != nil {
			return fmt.Errorf("store: %w", err)
		}
		v, err := version(tx)
		if err != nil {
			return err
		}
		if v > len(migrations) {
			return fmt.Errorf("%w (file %d, program %d)", ErrNewerSchema, v, len(migrations))
		}
		for ; v < len(migrations); v++ {
			if err := migrations[v].apply(tx); err != nil {
				return fmt.Errorf("store: migration %d: %w", v+1, err)
			}
		}
		return tx.Put(metaBucket, schemaKey, []byte(strconv.Itoa(v)))
	})
}

// version reads the schema version; a store without one is new (0).
func version(tx BackendTx) (int, error) {
	raw, err := tx.Get(metaBucket, schemaKey)
	if err != nil || raw == nil {
		return 0, err
	}
	v, err := strconv.Atoi(string(raw))
	if err != nil {
		return 0, fmt.Errorf("store: bad schema version %q", raw)
	}
	return v, nil
}

// Version returns the schema version recorded in the store.
func (db *DB) Version() (int, error) {
	var v int
	err := run(db.be.View, func(tx *Tx) (err error) {
		v, err = version(tx.b)
		return err
	})
	return v, err
}
