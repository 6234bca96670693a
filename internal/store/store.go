package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/wifihk/wifihk/internal/datadir"
)

// DB is an open store.
type DB struct {
	be     Backend
	path   string // the file, for a file backend
	damage damageLog
	feed   feed // changes to subscribers (feed.go)
	shared bool // Options.Shared
}

// Options tune Open. The zero value is the production default.
type Options struct {
	// LockTimeout is how long Open waits for another process's lock.
	// Default 1s.
	LockTimeout time.Duration
	// NoSync skips fsync; only for benchmarks that say so.
	NoSync bool
	// Key derives a key for one purpose from the data dir's master.key
	// (secrets.Sealer.Key). A migration that hashes secrets needs it:
	// schema 4 hashes voucher codes. Without it, Open fails with
	// ErrNeedKey only when such a migration has records to convert.
	Key func(label string) []byte
	// Shared says that several writers of the same records share this
	// store although its backend has no feed: the tests that run two
	// accounting stores, as two nodes, on one bbolt file. A backend with a
	// feed (PostgreSQL) is shared anyway.
	Shared bool
}

// Open opens (creating if needed) the store of data dir dir and brings its
// schema up to date. It never creates the database beside a journal: the
// database was then lost, and a new one would silently stand for it.
func Open(dir string, opt Options) (*DB, error) {
	d := datadir.Dir(dir)
	if err := d.Create(); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	if fi, err := os.Stat(d.DB()); (err != nil || fi.Size() == 0) && d.HasJournal() {
		if _, err := d.Check(); err != nil {
			return nil, err
		}
	}
	return OpenFile(datadir.Dir(dir).DB(), opt)
}

// OpenFile opens the bbolt store at path, such as a backup copy.
func OpenFile(path string, opt Options) (*DB, error) {
	be, err := openBolt(path, opt)
	if err != nil {
		return nil, err
	}
	db, err := New(be, opt)
	if err != nil {
		return nil, err
	}
	db.path = path
	return db, nil
}

// New returns a DB over a backend, its schema brought up to date (with
// opt.Key for a migration that needs it); the DB closes the backend, which
// New also does when it fails.
func New(be Backend, opt Options) (*DB, error) {
	db := &DB{be: be, shared: opt.Shared}
	if err := db.migrate(opt); err != nil {
		be.Close()
		return nil, err
	}
	db.feed.listen(be)
	return db, nil
}

// Path is the database file's path, or "" when the backend is no file.
func (db *DB) Path() string { return db.path }

// Close stops the feed and closes the backend.
func (db *DB) Close() error {
	db.feed.stop()
	return db.be.Close()
}

// View runs fn in a read-only transaction.
func (db *DB) View(fn func(*Tx) error) error {
	_, err := db.run(db.be.View, false, fn)
	return err
}

// Update runs fn in a read-write transaction, durable when it returns nil.
func (db *DB) Update(fn func(*Tx) error) error {
	w, err := db.run(db.be.Update, true, fn)
	if err == nil {
		db.publish(w)
	}
	return err
}

// Batch is Update for many concurrent callers: their functions share one
// transaction and one fsync (group commit). fn may run more than once, so it
// must be idempotent; it is durable when Batch returns nil.
func (db *DB) Batch(fn func(*Tx) error) error {
	w, err := db.run(db.be.Batch, true, fn)
	if err == nil {
		db.publish(w)
	}
	return err
}

// run runs fn in a backend transaction and returns fn's error as it is, or
// the backend's own wrapped in ErrUnavailable. For a write it returns what
// the last run of fn wrote (a Batch's fn may run more than once; the last
// run is the one committed) and announces it to other processes.
func (db *DB) run(txn func(func(BackendTx) error) error, write bool, fn func(*Tx) error) (*writes, error) {
	var fnErr error
	var last *writes
	err := txn(func(t BackendTx) error {
		tx := &Tx{b: t, damage: &db.damage}
		if write {
			tx.w = &writes{}
		}
		if fnErr = fn(tx); fnErr != nil {
			return fnErr
		}
		last = tx.w
		if write {
			fnErr = db.announce(t, tx.w)
		}
		return fnErr
	})
	if err != nil && err != fnErr {
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return last, err
}

// Backup writes a consistent copy of the whole store to w while others keep
// reading and writing.
func (db *DB) Backup(w io.Writer) (int64, error) { return db.be.Backup(w) }

// BackupFile writes a consistent copy to path atomically (temp file, fsync,
// rename).
func (db *DB) BackupFile(path string) (int64, error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".wifihk-backup-*")
	if err != nil {
		return 0, fmt.Errorf("store: backup: %w", err)
	}
	defer os.Remove(tmp.Name())
	n, err := db.Backup(tmp)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return 0, fmt.Errorf("store: backup: %w", err)
	}
	return n, nil
}

// Check verifies the backend's consistency (for bbolt, its page structure).
func (db *DB) Check() error {
	if err := db.be.Check(); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	return nil
}

// Tx is a transaction. Values read from it are decoded copies, safe to keep
// after the transaction ends.
type Tx struct {
	b      BackendTx
	damage *damageLog
	w      *writes // what a write transaction put or deleted, for the feed
}

// failed reports a backend's error: ErrUnknownBucket as it is, any other
// as ErrUnavailable.
func failed(err error) error {
	if err == nil || errors.Is(err, ErrUnknownBucket) || errors.Is(err, ErrUnavailable) {
		return err
	}
	return fmt.Errorf("%w: %w", ErrUnavailable, err)
}

// Get decodes the record at key into v, or returns ErrNotFound.
func (tx *Tx) Get(bucket, key string, v any) error {
	raw, err := tx.b.Get(bucket, []byte(key))
	if err != nil {
		return failed(err)
	}
	if raw == nil {
		return ErrNotFound
	}
	if decodeBytes(raw, v) {
		return nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		err = decodeErr(raw, err) // seal.go
		tx.damage.note(bucket, []byte(key), err)
		return fmt.Errorf("%w: decode %s/%s: %w", ErrDamagedRecord, bucket, key, err)
	}
	return nil
}

// Has reports whether key has a record.
func (tx *Tx) Has(bucket, key string) bool {
	raw, err := tx.b.Get(bucket, []byte(key))
	return err == nil && raw != nil
}

// GetRaw returns a copy of the JSON record at key, or ErrNotFound, for
// callers that keep decoded records and need to know whether one changed.
func (tx *Tx) GetRaw(bucket, key string) ([]byte, error) {
	raw, err := tx.b.Get(bucket, []byte(key))
	if err != nil {
		return nil, failed(err)
	}
	if raw == nil {
		return nil, ErrNotFound
	}
	return bytes.Clone(raw), nil
}

// Put stores v as JSON at key, replacing what was there.
func (tx *Tx) Put(bucket, key string, v any) error {
	raw, err := encodeRecord(v)
	if err != nil {
		return fmt.Errorf("store: encode %s/%s: %w", bucket, key, err)
	}
	return tx.put(bucket, key, raw)
}

// put stores raw and notes the write for the feed.
func (tx *Tx) put(bucket, key string, raw []byte) error {
	if err := tx.b.Put(bucket, []byte(key), raw); err != nil {
		return failed(err)
	}
	tx.noted(bucket, key)
	return nil
}

// noted records a write for the feed (none in a read transaction).
func (tx *Tx) noted(bucket, key string) {
	if tx.w != nil {
		tx.w.note(bucket, key)
	}
}

// PutRaw stores a record that is already JSON, for callers that encoded
// it themselves (the accounting journal); raw is not checked.
func (tx *Tx) PutRaw(bucket, key string, raw []byte) error {
	return tx.put(bucket, key, raw)
}

// Insert is Put that fails with ErrExists when key already has a record.
func (tx *Tx) Insert(bucket, key string, v any) error {
	if tx.Has(bucket, key) {
		return fmt.Errorf("%w: %s/%s", ErrExists, bucket, key)
	}
	return tx.Put(bucket, key, v)
}

// Delete removes key; deleting a missing key is not an error.
func (tx *Tx) Delete(bucket, key string) error {
	if err := tx.b.Delete(bucket, []byte(key)); err != nil {
		return failed(err)
	}
	tx.noted(bucket, key)
	return nil
}

// Scan calls fn for every record whose key starts with prefix, in key order,
// until fn returns false or an error. decode fills a value from the record.
// To collect decoded records, use List.
func (tx *Tx) Scan(bucket, prefix string, fn func(key string, decode func(v any) error) (bool, error)) error {
	return tx.ScanFrom(bucket, prefix, "", fn)
}

// ScanFrom is Scan starting at the first key at or after from, so that a
// long walk can go on in a later transaction where an earlier one stopped.
func (tx *Tx) ScanFrom(bucket, prefix, from string, fn func(key string, decode func(v any) error) (bool, error)) error {
	p := []byte(prefix)
	var fnErr error
	err := tx.b.Seek(bucket, []byte(max(prefix, from)), func(k, raw []byte) (bool, error) {
		if !bytes.HasPrefix(k, p) {
			return false, nil
		}
		key := string(k)
		more, err := fn(key, func(v any) error {
			if err := json.Unmarshal(raw, v); err != nil {
				err = decodeErr(raw, err)
				tx.damage.note(bucket, k, err)
				return fmt.Errorf("%w: decode %s/%s: %w", ErrDamagedRecord, bucket, key, err)
			}
			return nil
		})
		fnErr = err
		return more, err
	})
	if err != nil && err == fnErr {
		return err
	}
	return failed(err)
}

// ScanRawFrom is ScanFrom for readers that parse many small records
// themselves: fn gets each key and record (JSON as written) in bytes
// that are valid only during the call.
func (tx *Tx) ScanRawFrom(bucket, prefix, from string, fn func(key, raw []byte) (bool, error)) error {
	p := []byte(prefix)
	var fnErr error
	err := tx.b.Seek(bucket, []byte(max(prefix, from)), func(k, raw []byte) (bool, error) {
		if !bytes.HasPrefix(k, p) {
			return false, nil
		}
		more, err := fn(k, raw)
		fnErr = err
		return more, err
	})
	if err != nil && err == fnErr {
		return err
	}
	return failed(err)
}

// Count returns the number of records in bucket.
func (tx *Tx) Count(bucket string) (int, error) {
	n, err := tx.b.Count(bucket)
	return n, failed(err)
}

// NextID returns the bucket's next sequence number (1, 2, …).
func (tx *Tx) NextID(bucket string) (uint64, error) {
	id, err := tx.b.NextID(bucket)
	return id, failed(err)
}

// SeqKey formats n so that keys sort in numeric order.
func SeqKey(n uint64) string { return fmt.Sprintf("%016x", n) }
