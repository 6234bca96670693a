package storetest

import (
	"sync/atomic"
	"testing"

	"github.com/wifihk/wifihk/internal/datadir"
	"github.com/wifihk/wifihk/internal/store"
)

// Faults makes a store's reads and writes fail on demand, as a disk or a
// database connection can, inside transactions that began fine.
type Faults struct{ err, writeErr atomic.Pointer[error] }

// Fail makes every read and write fail with err from now on.
func (f *Faults) Fail(err error) { f.err.Store(&err) }

// FailWrites makes every write fail with err from now on, while reads
// work, as on a full disk.
func (f *Faults) FailWrites(err error) { f.writeErr.Store(&err) }

// Heal ends the failures.
func (f *Faults) Heal() { f.err.Store(nil); f.writeErr.Store(nil) }

func (f *Faults) now() error {
	if p := f.err.Load(); p != nil {
		return *p
	}
	return nil
}

func (f *Faults) nowWrite() error {
	if err := f.now(); err != nil {
		return err
	}
	if p := f.writeErr.Load(); p != nil {
		return *p
	}
	return nil
}

// OpenFaulty is Open with Faults in the backend.
func OpenFaulty(t testing.TB) (*store.DB, *Faults) {
	t.Helper()
	be, err := store.OpenBolt(datadir.Dir(t.TempDir()).DB(), store.Options{})
	if err != nil {
		t.Fatalf("storetest: %v", err)
	}
	f := &Faults{}
	db, err := store.New(faultyBackend{be, f}, store.Options{})
	if err != nil {
		t.Fatalf("storetest: %v", err)
	}
	t.Cleanup(func() {
		f.Heal()
		if err := db.Check(); err != nil {
			t.Errorf("storetest: consistency: %v", err)
		}
		db.Close()
	})
	return db, f
}

type faultyBackend struct {
	store.Backend
	f *Faults
}

func (b faultyBackend) View(fn func(store.BackendTx) error) error {
	return b.Backend.View(func(tx store.BackendTx) error { return fn(faultyTx{tx, b.f}) })
}

func (b faultyBackend) Update(fn func(store.BackendTx) error) error {
	return b.Backend.Update(func(tx store.BackendTx) error { return fn(faultyTx{tx, b.f}) })
}

func (b faultyBackend) Batch(fn func(store.BackendTx) error) error {
	return b.Backend.Batch(func(tx store.BackendTx) error { return fn(faultyTx{tx, b.f}) })
}

type faultyTx struct {
	store.BackendTx
	f *Faults
}

func (tx faultyTx) Get(bucket string, key []byte) ([]byte, error) {
	if err := tx.f.now(); err != nil {
		return nil, err
	}
	return tx.BackendTx.Get(bucket, key)
}

func (tx faultyTx) Put(bucket string, key, value []byte) error {
	if err := tx.f.nowWrite(); err != nil {
		return err
	}
	return tx.BackendTx.Put(bucket, key, value)
}

func (tx faultyTx) Delete(bucket string, key []byte) error {
	if err := tx.f.nowWrite(); err != nil {
		return err
	}
	return tx.BackendTx.Delete(bucket, key)
}

func (tx faultyTx) Seek(bucket string, from []byte, fn func(k, v []byte) (bool, error)) error {
	if err := tx.f.now(); err != nil {
		return err
	}
	return tx.BackendTx.Seek(bucket, from, fn)
}

func (tx faultyTx) NextID(bucket string) (uint64, error) {
	if err := tx.f.nowWrite(); err != nil {
		return 0, err
	}
	return tx.BackendTx.NextID(bucket)
}
