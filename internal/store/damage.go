package store

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"sync"
)

// A record that does not decode is damage (a flipped bit, a stray write):
// readers that list many records skip it and go on, so that one bad record
// does not hide every good one, and the DB remembers it, logs it once and
// reports it (Damaged) for /readyz and `wifihk store check`, which can
// move it aside.

// DamagedRecord is a record that does not decode.
type DamagedRecord struct {
	Bucket string `json:"bucket"`
	Key    string `json:"key"`
	Reason string `json:"reason"`
}

func (d DamagedRecord) String() string { return d.Bucket + "/" + d.Key }

// maxDamageKept bounds the records a DB remembers as damaged.
const maxDamageKept = 1000

type damageLog struct {
	mu  sync.Mutex
	log *slog.Logger
	m   map[DamagedRecord]bool // Reason empty in the key
	all []DamagedRecord
}

func (l *damageLog) note(bucket string, key []byte, err error) {
	d := DamagedRecord{Bucket: bucket, Key: string(key)}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.m[d] || len(l.all) >= maxDamageKept {
		return
	}
	if l.m == nil {
		l.m = map[DamagedRecord]bool{}
	}
	l.m[d] = true
	d.Reason = err.Error()
	l.all = append(l.all, d)
	if l.log != nil {
		l.log.Error("store: a damaged record is skipped; run `wifihk store check` with the server stopped",
			"bucket", bucket, "key", d.Key, "err", err)
	}
}

// LogDamage makes the DB log each damaged record once, as readers find
// it; it is quiet by default.
func (db *DB) LogDamage(l *slog.Logger) {
	db.damage.mu.Lock()
	db.damage.log = l
	db.damage.mu.Unlock()
}

// Damaged returns the records this DB's readers found damaged since it
// was opened, sorted (at most 1000).
func (db *DB) Damaged() []DamagedRecord {
	db.damage.mu.Lock()
	defer db.damage.mu.Unlock()
	out := append([]DamagedRecord(nil), db.damage.all...)
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}

// DamageError summarises Damaged for a status line, or is nil.
func (db *DB) DamageError() error {
	d := db.Damaged()
	if len(d) == 0 {
		return nil
	}
	keys := make([]string, 0, 5)
	for i := 0; i < len(d) && i < 5; i++ {
		keys = append(keys, d[i].String())
	}
	return fmt.Errorf("store: %d damaged records skipped (%v…); run `wifihk store check -data DIR` with the server stopped", len(d), keys)
}

// CheckRecords verifies the backend's structure (Check) and that every
// record of every bucket decodes (is JSON), and returns the ones that do
// not. A structural error is returned as it is: record by record repair
// cannot mend it; restore a backup.
func (db *DB) CheckRecords() ([]DamagedRecord, error) {
	if err := db.Check(); err != nil {
		return nil, err
	}
	var out []DamagedRecord
	err := db.View(func(tx *Tx) error {
		for _, b := range Buckets() {
			err := tx.b.Seek(b, nil, func(k, v []byte) (bool, error) {
				if err := validRecord(v); err != nil {
					out = append(out, DamagedRecord{Bucket: b, Key: string(k), Reason: err.Error()})
				}
				return true, nil
			})
			if err != nil {
				return failed(err)
			}
		}
		return nil
	})
	return out, err
}

// MoveAside writes each damaged record, bytes as stored, to keep (one JSON
// line each: bucket, key, raw value) and then deletes them from the store,
// in one transaction: the repair that `wifihk store check -repair` makes
// after it has copied the database file.
func (db *DB) MoveAside(recs []DamagedRecord, keep io.Writer) error {
	return db.Update(func(tx *Tx) error {
		enc := json.NewEncoder(keep)
		for _, d := range recs {
			raw, err := tx.b.Get(d.Bucket, []byte(d.Key))
			if err != nil {
				return failed(err)
			}
			if raw == nil {
				continue
			}
			line := struct {
				DamagedRecord
				Raw []byte `json:"raw"` // base64
			}{d, raw}
			if err := enc.Encode(line); err != nil {
				return fmt.Errorf("store: keep %s: %w", d, err)
			}
			if err := tx.b.Delete(d.Bucket, []byte(d.Key)); err != nil {
				return failed(err)
			}
		}
		return nil
	})
}
