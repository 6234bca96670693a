package store

import (
	"errors"
	"fmt"
	"io"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// boltBackend is the embedded default: one bbolt file.
type boltBackend struct{ db *bolt.DB }

// OpenBolt opens (creating if needed) the bbolt file at path as a Backend,
// for store.New; OpenFile does both.
func OpenBolt(path string, opt Options) (Backend, error) { return openBolt(path, opt) }

func openBolt(path string, opt Options) (*boltBackend, error) {
	if opt.LockTimeout == 0 {
		opt.LockTimeout = time.Second
	}
	b, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: opt.LockTimeout, NoSync: opt.NoSync,
		// As etcd runs bbolt: the free-page list is not written on every
		// commit (it is rebuilt when the file is opened), and is kept as a
		// map, which stays fast as the file grows.
		NoFreelistSync: true, FreelistType: bolt.FreelistMapType})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("%w: %s", ErrLocked, path)
	}
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	// Group commit: many concurrent Batch callers share one fsync.
	b.MaxBatchDelay = 2 * time.Millisecond
	b.MaxBatchSize = 2000
	return &boltBackend{db: b}, nil
}

func (b *boltBackend) View(fn func(BackendTx) error) error {
	return b.db.View(func(t *bolt.Tx) error { return fn(boltTx{t}) })
}

func (b *boltBackend) Update(fn func(BackendTx) error) error {
	return b.db.Update(func(t *bolt.Tx) error { return fn(boltTx{t}) })
}

func (b *boltBackend) Batch(fn func(BackendTx) error) error {
	return b.db.Batch(func(t *bolt.Tx) error { return fn(boltTx{t}) })
}

func (b *boltBackend) Backup(w io.Writer) (int64, error) {
	var n int64
	err := b.db.View(func(t *bolt.Tx) error {
		var err error
		n, err = t.WriteTo(w)
		return err
	})
	return n, err
}

func (b *boltBackend) Check() error {
	return b.db.View(func(t *bolt.Tx) error {
		for err := range t.Check() {
			return err
		}
		return nil
	})
}

func (b *boltBackend) Close() error { return b.db.Close() }

type boltTx struct{ t *bolt.Tx }

func (tx boltTx) bucket(name string) (*bolt.Bucket, error) {
	b := tx.t.Bucket([]byte(name))
	if b == nil {
		return nil, fmt.Errorf("%w %q (add it to a migration)", ErrUnknownBucket, name)
	}
	return b, nil
}

func (tx boltTx) CreateBucket(name string) error {
	_, err := tx.t.CreateBucketIfNotExists([]byte(name))
	return err
}

func (tx boltTx) Get(bucket string, key []byte) ([]byte, error) {
	b, err := tx.bucket(bucket)
	if err != nil {
		return nil, err
	}
	return b.Get(key), nil
}

func (tx boltTx) Put(bucket string, key, value []byte) error {
	b, err := tx.bucket(bucket)
	if err != nil {
		return err
	}
	return b.Put(key, value)
}

func (tx boltTx) Delete(bucket string, key []byte) error {
	b, err := tx.bucket(bucket)
	if err != nil {
		return err
	}
	return b.Delete(key)
}

func (tx boltTx) Seek(bucket string, from []byte, fn func(k, v []byte) (bool, error)) error {
	b, err := tx.bucket(bucket)
	if err != nil {
		return err
	}
	c := b.Cursor()
	for k, v := c.Seek(from); k != nil; k, v = c.Next() {
		if more, err := fn(k, v); err != nil || !more {
			return err
		}
	}
	return nil
}

func (tx boltTx) Count(bucket string) (int, error) {
	b, err := tx.bucket(bucket)
	if err != nil {
		return 0, err
	}
	return b.Stats().KeyN, nil
}

func (tx boltTx) NextID(bucket string) (uint64, error) {
	b, err := tx.bucket(bucket)
	if err != nil {
		return 0, err
	}
	return b.NextSequence()
}
