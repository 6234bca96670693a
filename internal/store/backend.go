package store

import "io"

// Backend is a storage engine under DB: bbolt (bolt.go) today. DB and Tx
// give the domain packages JSON records, errors and migrations; a backend
// gives them ordered key-value buckets with transactions. See the package
// doc for what each method must guarantee.
type Backend interface {
	// View runs fn in a read-only transaction.
	View(fn func(BackendTx) error) error
	// Update runs fn in a read-write transaction, durable when it
	// returns nil.
	Update(fn func(BackendTx) error) error
	// Batch is Update that may share one transaction and one durable
	// commit among concurrent callers; fn may run more than once.
	Batch(fn func(BackendTx) error) error
	// Backup writes a consistent copy of everything to w, while others
	// keep reading and writing, in a form Open can read back.
	Backup(w io.Writer) (int64, error)
	// Check verifies the backend's own consistency.
	Check() error
	Close() error
}

// BackendTx is one transaction of a Backend. Keys order bytewise. Slices
// it passes out are valid only until the transaction ends; slices passed
// in may be reused once a call returns. A bucket that no migration
// created is ErrUnknownBucket, wrapped with its name; any other error is
// the backend failing, and Tx reports it as ErrUnavailable.
type BackendTx interface {
	// CreateBucket makes bucket if it does not exist (migrations only).
	CreateBucket(bucket string) error
	// Get returns the value at key, or nil when there is none.
	Get(bucket string, key []byte) ([]byte, error)
	Put(bucket string, key, value []byte) error
	// Delete removes key; a missing key is not an error.
	Delete(bucket string, key []byte) error
	// Seek calls fn for each record whose key is at or after from, in key
	// order, until fn returns false or an error.
	Seek(bucket string, from []byte, fn func(key, value []byte) (bool, error)) error
	// Count returns the number of records in bucket.
	Count(bucket string) (int, error)
	// NextID returns the bucket's next sequence number (1, 2, …),
	// durable with the transaction.
	NextID(bucket string) (uint64, error)
}
