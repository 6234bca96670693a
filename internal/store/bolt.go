package store

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// boltBackend is the embedded default: one bbolt file.
type boltBackend struct{ db *bolt.DB }

// OpenBolt opens (creating if needed) the bbolt file at path as a Backend,
// for store.New; OpenFile does both.
func OpenBolt(path string, opt Options) (Backend, error) {
	b, err := openBolt(path, opt)
	if err != nil {
		return nil, err // not a nil *boltBackend in a Backend
	}
	return b, nil
}

func openBolt(path string, opt Options) (*boltBackend, error) {
	if opt.LockTimeout == 0 {
		opt.LockTimeout = time.Second
	}
	if err := checkFile(path); err != nil { // boltpages.go
		return nil, err
	}
	b, err := openGuarded(path, opt)
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

// openGuarded is bolt.Open, its panic on a corrupt page an error.
func openGuarded(path string, opt Options) (b *bolt.DB, err error) {
	defer damagedPage(&err)
	return bolt.Open(path, 0o600, &bolt.Options{Timeout: opt.LockTimeout, NoSync: opt.NoSync,
		// As etcd runs bbolt: the free-page list is not written on every
		// commit (it is rebuilt when the file is opened), and is kept as a
		// map, which stays fast as the file grows.
		NoFreelistSync: true, FreelistType: bolt.FreelistMapType})
}

func (b *boltBackend) View(fn func(BackendTx) error) (err error) {
	defer damagedPage(&err)
	return b.db.View(func(t *bolt.Tx) error { return fn(boltTx{t}) })
}

func (b *boltBackend) Update(fn func(BackendTx) error) (err error) {
	defer damagedPage(&err)
	return b.db.Update(func(t *bolt.Tx) error { return fn(boltTx{t}) })
}

func (b *boltBackend) Batch(fn func(BackendTx) error) (err error) {
	defer damagedPage(&err)
	return b.db.Batch(func(t *bolt.Tx) error { return fn(boltTx{t}) })
}

// damagedPage turns bbolt's panic on a corrupt page (a flipped bit, a
// stray write: "assertion failed: Page expected to be: 10, but self
// identifies as …", "invalid page type") into an error wrapping
// ErrDamaged, so that start-up refuses with what to do instead of a stack
// trace, and a server answers the one request that read the page with an
// error. bbolt rolls its transaction back as the panic passes, so the
// file stays usable for pages that are sound. Any other panic goes on.
func damagedPage(err *error) {
	p := recover()
	if p == nil {
		return
	}
	msg := fmt.Sprint(p)
	if !strings.HasPrefix(msg, "assertion failed") && !strings.Contains(msg, "page") {
		panic(p)
	}
	*err = fmt.Errorf("%w: a page is corrupt (bbolt: %s); the file is left as it is: "+
		"restore the last backup (wifihk backup), keeping this file aside, and see `wifihk store check` "+
		"(README, \"Damaged or missing files\")", ErrDamaged, msg)
}

func (b *boltBackend) Backup(w io.Writer) (n int64, err error) {
	defer damagedPage(&err)
	err = b.db.View(func(t *bolt.Tx) error {
		var err error
		n, err = t.WriteTo(w)
		return err
	})
	return n, err
}

func (b *boltBackend) Check() (err error) {
	defer damagedPage(&err)
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
	return unseal(key, b.Get(key)), nil // seal.go
}

func (tx boltTx) Put(bucket string, key, value []byte) error {
	b, err := tx.bucket(bucket)
	if err != nil {
		return err
	}
	return b.Put(key, seal(key, value))
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
		if more, err := fn(k, unseal(k, v)); err != nil || !more {
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

// Sequence returns the bucket's last NextID, for Copy.
func (tx boltTx) Sequence(bucket string) (uint64, error) {
	b, err := tx.bucket(bucket)
	if err != nil {
		return 0, err
	}
	return b.Sequence(), nil
}

// SetSequence sets the bucket's last NextID, for Copy.
func (tx boltTx) SetSequence(bucket string, n uint64) error {
	b, err := tx.bucket(bucket)
	if err != nil {
		return err
	}
	return b.SetSequence(n)
}
