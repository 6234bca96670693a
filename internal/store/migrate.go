package store

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
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
	ClientCerts  = "client_certs"  // visitors: per-org EAP-TLS CAs and client certificates (schema 6)
	Usage        = "usage"         // usage: hourly aggregates, sketches, published days (schema 7)
	Realms       = "realms"        // hotspots: realms and their home servers, key realm name (schema 8)
	Resumptions  = "eap_resume"    // visitors: EAP session tickets' tags and the accounts they resume (schema 9)
)

// A migration brings a store from one schema version to the next: it
// creates buckets, then runs (when set) over the new buckets.
type migration struct {
	create []string
	run    func(BackendTx) error
	// keyed runs instead of run for a migration that hashes secrets,
	// with Options.Key (which may be nil).
	keyed func(tx BackendTx, key func(label string) []byte) error
	// tables go to a backend that keeps typed columns (Tabler).
	tables []Table
}

// migrations bring a store from version i to i+1. Append only: a released
// migration is never edited. Buckets derives the bucket list from them.
var migrations = []migration{
	{create: []string{NAS, Orgs, Venues, Plans, APs, Staff, Tokens, Audit,
		Visitors, Devices, Credentials, Allowances, Sessions, AcctSeen,
		Reports, APStatus, Series, Alerts, PortalEvents}},
	{create: []string{APMACs}, run: indexAPMACs},
	{create: []string{AgentTokens}, run: splitTokens},
	{keyed: hashVoucherCodes},
	{tables: sqlTables},
	{create: []string{ClientCerts}},
	{create: []string{Usage}},
	{create: []string{Realms}},
	{create: []string{Resumptions}},
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

// hashVoucherCodes (schema 4) keeps voucher codes out of the store. A
// voucher's credential, stored under its code, moves to the name
// visitors.Store now gives it: "vc-" and, in hex, the first 16 bytes of
// HMAC-SHA256 of the code under key("visitors voucher"). A batch's list
// of codes becomes their names and their last 4 characters. The key is
// needed only when there are codes to convert.
func hashVoucherCodes(tx BackendTx, key func(label string) []byte) error {
	var k []byte
	name := func(code string) (string, error) {
		if k == nil {
			if key == nil {
				return "", ErrNeedKey
			}
			k = key("visitors voucher")
		}
		m := hmac.New(sha256.New, k)
		m.Write([]byte(code))
		return "vc-" + hex.EncodeToString(m.Sum(nil)[:16]), nil
	}
	type record = map[string]json.RawMessage
	// read collects bucket's records under prefix that want converting.
	read := func(bucket string, prefix []byte, want func(k []byte, rec record) bool) (map[string]record, error) {
		out := map[string]record{}
		err := tx.Seek(bucket, prefix, func(k, v []byte) (bool, error) {
			if !bytes.HasPrefix(k, prefix) {
				return false, nil
			}
			var rec record
			if err := json.Unmarshal(v, &rec); err != nil {
				return false, fmt.Errorf("%s %s: %w", bucket, k, err)
			}
			if want(k, rec) {
				out[string(k)] = rec
			}
			return true, nil
		})
		return out, err
	}
	put := func(bucket, k string, rec record) error {
		raw, err := json.Marshal(rec)
		if err != nil {
			return err
		}
		return tx.Put(bucket, []byte(k), raw)
	}
	vouchers, err := read(Credentials, nil, func(k []byte, rec record) bool {
		return string(rec["kind"]) == `"voucher"` && !bytes.HasPrefix(k, []byte("vc-"))
	})
	if err != nil {
		return err
	}
	for code, rec := range vouchers {
		n, err := name(code)
		if err != nil {
			return err
		}
		rec["username"], _ = json.Marshal(n)
		if err := put(Credentials, n, rec); err != nil {
			return err
		}
		if err := tx.Delete(Credentials, []byte(code)); err != nil {
			return err
		}
	}
	batches, err := read(PortalEvents, []byte("voucher-batch/"), func(_ []byte, rec record) bool {
		_, ok := rec["codes"]
		return ok
	})
	if err != nil {
		return err
	}
	for k, rec := range batches {
		var codes []string
		if err := json.Unmarshal(rec["codes"], &codes); err != nil {
			return fmt.Errorf("voucher batch %s: %w", k, err)
		}
		names, hints := make([]string, len(codes)), make([]string, len(codes))
		for i, code := range codes {
			if names[i], err = name(code); err != nil {
				return err
			}
			hints[i] = code[max(0, len(code)-4):]
		}
		delete(rec, "codes")
		rec["names"], _ = json.Marshal(names)
		rec["hints"], _ = json.Marshal(hints)
		if err := put(PortalEvents, k, rec); err != nil {
			return err
		}
	}
	return nil
}

// SchemaVersion is the version this program writes.
var SchemaVersion = len(migrations)

func (m migration) apply(tx BackendTx, opt Options) error {
	for _, n := range m.create {
		if err := tx.CreateBucket(n); err != nil {
			return fmt.Errorf("create bucket %s: %w", n, err)
		}
	}
	if tt, ok := tx.(Tabler); ok {
		for _, t := range m.tables {
			if err := tt.CreateTable(t); err != nil {
				return fmt.Errorf("table %s: %w", t.Bucket, err)
			}
		}
	}
	switch {
	case m.keyed != nil:
		return m.keyed(tx, opt.Key)
	case m.run != nil:
		return m.run(tx)
	}
	return nil
}

var schemaKey = []byte("schema")

func (db *DB) migrate(opt Options) error {
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
			if err := migrations[v].apply(tx, opt); err != nil {
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
	err := db.View(func(tx *Tx) (err error) {
		v, err = version(tx.b)
		return err
	})
	return v, err
}
