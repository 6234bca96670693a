package store

import "fmt"

// sequencer is a BackendTx that can read and set a bucket's NextID
// sequence directly; Copy uses it when both sides have it.
type sequencer interface {
	Sequence(bucket string) (uint64, error)
	SetSequence(bucket string, n uint64) error
}

// Copy copies every bucket of the current schema (records and NextID
// sequences) from src to dst, which must hold no records yet: one read
// snapshot of src, one write transaction on dst. It returns the number of
// records per bucket, checked against dst before it commits. It is how a
// store moves between backends (bbolt and PostgreSQL) and how a backend
// that is not a file writes a bbolt backup.
func Copy(dst, src Backend) (map[string]int, error) {
	counts := map[string]int{}
	err := src.View(func(from BackendTx) error {
		return dst.Update(func(to BackendTx) error {
			for _, b := range append([]string{metaBucket}, Buckets()...) {
				n, err := copyBucket(to, from, b)
				if err != nil {
					return fmt.Errorf("store: copy %s: %w", b, err)
				}
				counts[b] = n
			}
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return counts, nil
}

func copyBucket(to, from BackendTx, b string) (int, error) {
	if err := to.CreateBucket(b); err != nil {
		return 0, err
	}
	if n, err := to.Count(b); err != nil || n > 0 {
		if err == nil && b != metaBucket {
			err = fmt.Errorf("target already holds %d records", n)
		}
		if err != nil {
			return 0, err
		}
	}
	n := 0
	err := from.Seek(b, nil, func(k, v []byte) (bool, error) {
		n++
		return true, to.Put(b, k, v)
	})
	if err != nil {
		return 0, err
	}
	// Counted by reading back: bbolt's Count does not see a write
	// transaction's own records.
	got := 0
	err = to.Seek(b, nil, func(k, v []byte) (bool, error) { got++; return true, nil })
	if err != nil || got != n {
		if err == nil {
			err = fmt.Errorf("copied %d records, target holds %d", n, got)
		}
		return 0, err
	}
	fs, ok1 := from.(sequencer)
	ts, ok2 := to.(sequencer)
	if !ok1 || !ok2 {
		return n, nil
	}
	seq, err := fs.Sequence(b)
	if err != nil {
		return 0, err
	}
	return n, ts.SetSequence(b, seq)
}

// CopyTo copies the whole store into dst, which must hold no records yet
// (see Copy): how `wifihk store migrate` moves a store between backends.
func (db *DB) CopyTo(dst *DB) (map[string]int, error) { return Copy(dst.be, db.be) }
