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

	bolt "go.etcd.io/bbolt"

	"github.com/wifihk/wifihk/internal/datadir"
)

// DB is an open store.
type DB struct {
	bolt *bolt.DB
	path string
}

// Options tune Open. The zero value is the production default.
type Options struct {
	// LockTimeout is how long Open waits for another process's lock.
	// Default 1s.
	LockTimeout time.Duration
	// NoSync skips fsync; only for benchmarks that say so.
	NoSync bool
}

// Open opens (creating if needed) the store of data dir dir and brings its
// schema up to date.
func Open(dir string, opt Options) (*DB, error) {
	if err := datadir.Dir(dir).Create(); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	return OpenFile(datadir.Dir(dir).DB(), opt)
}

// OpenFile opens the store at path, such as a backup copy.
func OpenFile(path string, opt Options) (*DB, error) {
	if opt.LockTimeout == 0 {
		opt.LockTimeout = time.Second
	}
	b, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: opt.LockTimeout, NoSync: opt.NoSync,
		// As etcd runs bbolt: the free-page list is not written on every
		// commit (it is rebuilt when the file is opened), and is kept as a
		// map, which stays fast as the file grows.
		NoFreelistSync: true, FreelistType: bolt.FreelistMapType})
	if errors.Is(err, bolt.ErrTimeout) {
		return nil, fmt.Errorf("%w: %s", ErrLocked, path)
	}
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	// Group commit: many concurrent Batch callers share one fsync.
	b.MaxBatchDelay = 2 * time.Millisecond
	b.MaxBatchSize = 2000
	db := &DB{bolt: b, path: path}
	if err := db.migrate(); err != nil {
		b.Close()
		return nil, err
	}
	return db, nil
}

// Path is the database file's path.
func (db *DB) Path() string { return db.path }

// Close closes the file.
func (db *DB) Close() error { return db.bolt.Close() }

// View runs fn in a read-only transaction.
func (db *DB) View(fn func(*Tx) error) error {
	return run(db.bolt.View, fn)
}

// Update runs fn in a read-write transaction, durable when it returns nil.
func (db *DB) Update(fn func(*Tx) error) error {
	return run(db.bolt.Update, fn)
}

// Batch is Update for many concurrent callers: their functions share one
// transaction and one fsync (group commit). fn may run more than once, so it
// must be idempotent; it is durable when Batch returns nil.
func (db *DB) Batch(fn func(*Tx) error) error {
	return run(db.bolt.Batch, fn)
}

// run runs fn in a bbolt transaction and returns fn's error as it is, or
// bbolt's own wrapped in ErrUnavailable.
func run(txn func(func(*bolt.Tx) error) error, fn func(*Tx) error) error {
	var fnErr error
	err := txn(func(t *bolt.Tx) error { fnErr = fn(&Tx{t}); return fnErr })
	if err != nil && err != fnErr {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return err
}

// Backup writes a consistent copy of the whole store to w while others keep
// reading and writing.
func (db *DB) Backup(w io.Writer) (int64, error) {
	var n int64
	err := db.bolt.View(func(t *bolt.Tx) error {
		var err error
		n, err = t.WriteTo(w)
		return err
	})
	return n, err
}

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

// Tx is a transaction. Values read from it are decoded copies, safe to keep
// after the transaction ends.
type Tx struct{ t *bolt.Tx }

func (tx *Tx) bucket(name string) (*bolt.Bucket, error) {
	b := tx.t.Bucket([]byte(name))
	if b == nil {
		return nil, fmt.Errorf("store: unknown bucket %q (add it to a migration)", name)
	}
	return b, nil
}

// Get decodes the record at key into v, or returns ErrNotFound.
func (tx *Tx) Get(bucket, key string, v any) error {
	b, err := tx.bucket(bucket)
	if err != nil {
		return err
	}
	raw := b.Get([]byte(key))
	if raw == nil {
		return ErrNotFound
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("store: decode %s/%s: %w", bucket, key, err)
	}
	return nil
}

// Has reports whether key has a record.
func (tx *Tx) Has(bucket, key string) bool {
	b, err := tx.bucket(bucket)
	return err == nil && b.Get([]byte(key)) != nil
}

// GetRaw returns a copy of the JSON record at key, or ErrNotFound, for
// callers that keep decoded records and need to know whether one changed.
func (tx *Tx) GetRaw(bucket, key string) ([]byte, error) {
	b, err := tx.bucket(bucket)
	if err != nil {
		return nil, err
	}
	raw := b.Get([]byte(key))
	if raw == nil {
		return nil, ErrNotFound
	}
	return bytes.Clone(raw), nil
}

// Put stores v as JSON at key, replacing what was there.
func (tx *Tx) Put(bucket, key string, v any) error {
	b, err := tx.bucket(bucket)
	if err != nil {
		return err
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("store: encode %s/%s: %w", bucket, key, err)
	}
	return b.Put([]byte(key), raw)
}

// PutRaw stores a record that is already JSON, for callers that encoded
// it themselves (the accounting journal); raw is not checked.
func (tx *Tx) PutRaw(bucket, key string, raw []byte) error {
	b, err := tx.bucket(bucket)
	if err != nil {
		return err
	}
	return b.Put([]byte(key), raw)
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
	b, err := tx.bucket(bucket)
	if err != nil {
		return err
	}
	return b.Delete([]byte(key))
}

// Scan calls fn for every record whose key starts with prefix, in key order,
// until fn returns false or an error. decode fills a value from the record.
func (tx *Tx) Scan(bucket, prefix string, fn func(key string, decode func(v any) error) (bool, error)) error {
	b, err := tx.bucket(bucket)
	if err != nil {
		return err
	}
	c := b.Cursor()
	p := []byte(prefix)
	for k, raw := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, raw = c.Next() {
		key := string(k)
		dec := func(v any) error {
			if err := json.Unmarshal(raw, v); err != nil {
				return fmt.Errorf("store: decode %s/%s: %w", bucket, key, err)
			}
			return nil
		}
		more, err := fn(key, dec)
		if err != nil || !more {
			return err
		}
	}
	return nil
}

// Count returns the number of records in bucket.
func (tx *Tx) Count(bucket string) (int, error) {
	b, err := tx.bucket(bucket)
	if err != nil {
		return 0, err
	}
	return b.Stats().KeyN, nil
}

// NextID returns the bucket's next sequence number (1, 2, …).
func (tx *Tx) NextID(bucket string) (uint64, error) {
	b, err := tx.bucket(bucket)
	if err != nil {
		return 0, err
	}
	return b.NextSequence()
}

// SeqKey formats n so that keys sort in numeric order.
func SeqKey(n uint64) string { return fmt.Sprintf("%016x", n) }

// Check verifies the file's page structure (bbolt's consistency check).
func (db *DB) Check() error {
	return db.bolt.View(func(t *bolt.Tx) error {
		for err := range t.Check() {
			return fmt.Errorf("store: %w", err)
		}
		return nil
	})
}
