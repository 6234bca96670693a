package store

import "errors"

var (
	// ErrNotFound is returned by Get when the key has no record.
	ErrNotFound = errors.New("store: not found")
	// ErrExists is returned by Insert when the key already has a record.
	ErrExists = errors.New("store: already exists")
	// ErrNewerSchema means the file was written by a newer wifihk.
	ErrNewerSchema = errors.New("store: data file has a newer schema than this program")
	// ErrUnavailable wraps the backend's own failures (a closed file, an
	// I/O error, a lost connection), whether a transaction could not run
	// or a read or write in it failed: the caller may retry later, and an
	// HTTP server answers 503.
	ErrUnavailable = errors.New("store: unavailable")
	// ErrUnknownBucket means no migration created the bucket: a bug, not
	// an outage. A backend reports it wrapped, naming the bucket.
	ErrUnknownBucket = errors.New("store: unknown bucket")
	// ErrNeedKey means a migration has secrets to hash and Open was given
	// no Options.Key.
	ErrNeedKey = errors.New("store: the schema upgrade hashes secrets and needs the master key; open the data dir with its key")
	// ErrDamaged means the data file is truncated or its header is
	// corrupt: it must be restored from a backup.
	ErrDamaged = errors.New("store: data file is damaged")
	// ErrDamagedRecord is wrapped by Get's error for a record that does
	// not decode (see DB.Damaged); List skips such records.
	ErrDamagedRecord = errors.New("store: damaged record")
	// ErrLocked means another process holds the data file open.
	ErrLocked = errors.New("store: data file is in use by another process (is wifihk serve running?)")
)
