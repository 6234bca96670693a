package postgres

import (
	"bytes"

	"github.com/jackc/pgx/v5"
)

// Writes are queued: Put and Delete add their statement to the
// transaction's batch instead of waiting for the server, and the batch
// goes out pipelined, in one round trip, before the next read of the
// transaction and before its commit (flush). A transaction that writes a
// thousand records, such as an accounting apply, then costs a few round
// trips instead of a thousand; reads still see every write before them,
// in order. A write's error comes back from the flush: from the next
// read, or from Update.

// queue adds a write to the transaction's batch. args must not be reused
// by the caller (BackendTx callers may reuse theirs: copy them first).
func (t *backendTx) queue(sql string, args ...any) {
	if t.pending == nil {
		t.pending = &pgx.Batch{}
	}
	t.pending.Queue(sql, args...)
}

// flush sends the queued writes and waits for them to be done.
func (t *backendTx) flush() error {
	if t.pending == nil || t.pending.Len() == 0 {
		return nil
	}
	b := t.pending
	t.pending = nil
	return t.tx.SendBatch(t.ctx, b).Close()
}

// GetMany reads many keys of a bucket in one query (store.ManyGetter).
func (t *backendTx) GetMany(bucket string, keys [][]byte, fn func(k, v []byte) error) error {
	if err := t.bucket(bucket); err != nil {
		return err
	}
	if err := t.flush(); err != nil {
		return err
	}
	rows, err := t.tx.Query(t.ctx, "SELECT key, value FROM wifihk_records WHERE bucket = $1 AND key = ANY($2)", bucket, keys)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var k, v []byte
		if err := rows.Scan(&k, &v); err != nil {
			return err
		}
		if v == nil {
			v = []byte{}
		}
		if err := fn(k, v); err != nil {
			return err
		}
	}
	return rows.Err()
}

func clone(b []byte) []byte { return bytes.Clone(b) }
