package store

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
)

// memBackend is a second Backend, in memory, to show that DB, Tx, List
// and the migrations need nothing of bbolt. An Update works on a copy and
// swaps it in on success.
type memBackend struct {
	mu      sync.RWMutex
	buckets map[string]*memBucket
	closed  bool
}

type memBucket struct {
	seq  uint64
	recs map[string][]byte
}

var errMemClosed = errors.New("mem: closed")

func (m *memBackend) View(fn func(BackendTx) error) error {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.closed {
		return errMemClosed
	}
	return fn(&memTx{b: m.buckets})
}

func (m *memBackend) Update(fn func(BackendTx) error) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return errMemClosed
	}
	work := map[string]*memBucket{}
	for n, b := range m.buckets {
		work[n] = &memBucket{seq: b.seq, recs: maps.Clone(b.recs)}
	}
	if err := fn(&memTx{b: work, write: true}); err != nil {
		return err
	}
	m.buckets = work
	return nil
}

func (m *memBackend) Batch(fn func(BackendTx) error) error { return m.Update(fn) }

func (m *memBackend) Backup(io.Writer) (int64, error) { return 0, errors.New("mem: no backup") }
func (m *memBackend) Check() error                    { return nil }
func (m *memBackend) Close() error {
	m.mu.Lock()
	m.closed = true
	m.mu.Unlock()
	return nil
}

type memTx struct {
	b     map[string]*memBucket
	write bool
}

func (tx *memTx) bucket(name string) (*memBucket, error) {
	if b := tx.b[name]; b != nil {
		return b, nil
	}
	return nil, fmt.Errorf("%w %q", ErrUnknownBucket, name)
}

// writable is bucket for a write.
func (tx *memTx) writable(name string) (*memBucket, error) {
	b, err := tx.bucket(name)
	if err == nil && !tx.write {
		err = errors.New("mem: read-only transaction")
	}
	return b, err
}

func (tx *memTx) CreateBucket(name string) error {
	if tx.b[name] == nil {
		tx.b[name] = &memBucket{recs: map[string][]byte{}}
	}
	return nil
}

func (tx *memTx) Get(bucket string, key []byte) ([]byte, error) {
	b, err := tx.bucket(bucket)
	if err != nil {
		return nil, err
	}
	return b.recs[string(key)], nil
}

func (tx *memTx) Put(bucket string, key, value []byte) error {
	b, err := tx.writable(bucket)
	if err != nil {
		return err
	}
	b.recs[string(key)] = bytes.Clone(value)
	return nil
}

func (tx *memTx) Delete(bucket string, key []byte) error {
	b, err := tx.writable(bucket)
	if err != nil {
		return err
	}
	delete(b.recs, string(key))
	return nil
}

func (tx *memTx) Seek(bucket string, from []byte, fn func(k, v []byte) (bool, error)) error {
	b, err := tx.bucket(bucket)
	if err != nil {
		return err
	}
	for _, k := range slices.Sorted(maps.Keys(b.recs)) {
		if k < string(from) {
			continue
		}
		if more, err := fn([]byte(k), b.recs[k]); err != nil || !more {
			return err
		}
	}
	return nil
}

func (tx *memTx) Count(bucket string) (int, error) {
	b, err := tx.bucket(bucket)
	if err != nil {
		return 0, err
	}
	return len(b.recs), nil
}

func (tx *memTx) NextID(bucket string) (uint64, error) {
	b, err := tx.writable(bucket)
	if err != nil {
		return 0, err
	}
	b.seq++
	return b.seq, nil
}

// TestBackends are further backends for the conformance tests, each a
// fresh store, added by external tests (postgres_test.go) since their
// packages import this one.
var TestBackends = map[string]func(t *testing.T) *DB{}

// backends are the Backends every conformance test runs on, each opened
// inside its subtest (so that one that is not installed skips alone).
func backends() map[string]func(t *testing.T) *DB {
	out := map[string]func(t *testing.T) *DB{
		"bolt": func(t *testing.T) *DB {
			db, err := Open(t.TempDir(), Options{})
			if err != nil {
				t.Fatal(err)
			}
			return db
		},
		"mem": func(t *testing.T) *DB {
			db, err := New(&memBackend{buckets: map[string]*memBucket{}}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			return db
		},
	}
	maps.Copy(out, TestBackends)
	return out
}

// The DB's contract holds on every backend: migrations, records, errors,
// rollback, List and sequences.
func TestBackendConformance(t *testing.T) {
	type rec struct{ Name string }
	for name, open := range backends() {
		t.Run(name, func(t *testing.T) {
			db := open(t)
			defer db.Close()
			if v, err := db.Version(); err != nil || v != SchemaVersion {
				t.Fatalf("version %d %v", v, err)
			}
			for _, b := range Buckets() {
				if err := db.View(func(tx *Tx) error { _, err := tx.Count(b); return err }); err != nil {
					t.Errorf("bucket %s: %v", b, err)
				}
			}
			err := db.Update(func(tx *Tx) error {
				for _, k := range []string{"b/2", "a/1", "b/1", "c/1"} {
					if err := tx.Insert(Venues, k, rec{k}); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			err = db.Update(func(tx *Tx) error {
				tx.Put(Venues, "z/1", rec{"z"})
				return tx.Insert(Venues, "a/1", rec{"again"})
			})
			if !errors.Is(err, ErrExists) || errors.Is(err, ErrUnavailable) {
				t.Fatalf("insert twice: %v", err)
			}
			err = db.View(func(tx *Tx) error {
				if tx.Has(Venues, "z/1") {
					t.Error("a failed Update must leave nothing behind")
				}
				if err := tx.Get(Venues, "nope", &rec{}); !errors.Is(err, ErrNotFound) {
					t.Errorf("missing key: %v", err)
				}
				if err := tx.Put("nope", "k", 1); err == nil || !strings.Contains(err.Error(), `"nope"`) {
					t.Errorf("unknown bucket: %v", err)
				}
				got, err := List(tx, Venues, Query[rec]{Prefix: "b/"})
				if err != nil || len(got) != 2 || got[0].Name != "b/1" || got[1].Name != "b/2" {
					t.Errorf("List b/: %v %v", got, err)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			var ids []uint64
			for range 2 {
				db.Update(func(tx *Tx) error { id, err := tx.NextID(Audit); ids = append(ids, id); return err })
			}
			if !slices.Equal(ids, []uint64{1, 2}) {
				t.Errorf("NextID: %v", ids)
			}
			db.Close()
			if err := db.View(func(*Tx) error { return nil }); !errors.Is(err, ErrUnavailable) {
				t.Errorf("closed: %v, want ErrUnavailable", err)
			}
		})
	}
}
