package postgres

import (
	"bytes"

	"github.com/jackc/pgx/v5"
)

// Writes are queued: Put and Delete add their record to the transaction's
// queue instead of waiting for the server, and the queue goes out before
// the next read of the transaction and before its commit (flush), as one
// pipelined round trip. Consecutive puts become one INSERT … ON CONFLICT
// over arrays (unnest), consecutive deletes one DELETE, so a transaction
// that writes a thousand records, such as an accounting apply, costs the
// server two statements instead of a thousand. Reads still see every write
// before them, in order. A write's error comes back from the flush: from
// the next read, or from Update.

const (
	putMany = `INSERT INTO wifihk_records (bucket, key, value)
		SELECT * FROM unnest($1::text[], $2::bytea[], $3::bytea[])
		ON CONFLICT (bucket, key) DO UPDATE SET value = excluded.value`
	deleteMany = `DELETE FROM wifihk_records r USING unnest($1::text[], $2::bytea[]) AS d (bucket, key)
		WHERE r.bucket = d.bucket AND r.key = d.key`
)

// run is consecutive writes of one kind to wifihk_records, each record
// once (the last write of a key in a run of puts wins, as it would have
// one by one), or one other statement (stmt).
type run struct {
	stmt string
	args []any

	del     bool
	buckets []string
	keys    [][]byte
	values  [][]byte
	at      map[string]int // bucket NUL key -> index
}

// queue adds a put (value non-nil) or a delete to the transaction's
// queue. It copies key and value: callers may reuse theirs.
func (t *backendTx) queue(bucket string, key, value []byte, del bool) {
	n := len(t.runs)
	if n == 0 || t.runs[n-1].stmt != "" || t.runs[n-1].del != del {
		t.runs = append(t.runs, &run{del: del, at: map[string]int{}})
		n++
	}
	r := t.runs[n-1]
	id := bucket + "\x00" + string(key)
	if i, ok := r.at[id]; ok {
		if !del {
			r.values[i] = append([]byte{}, value...)
		}
		return
	}
	r.at[id] = len(r.keys)
	r.buckets = append(r.buckets, bucket)
	r.keys = append(r.keys, []byte(string(key)))
	if !del {
		r.values = append(r.values, append([]byte{}, value...))
	}
}

// copied copies the byte slices among args, which the caller may reuse.
func copied(args []any) []any {
	for i, a := range args {
		if b, ok := a.([]byte); ok {
			args[i] = bytes.Clone(b)
		}
	}
	return args
}

// queueStmt adds any other write statement to the queue, in order; its
// args must not be reused.
func (t *backendTx) queueStmt(sql string, args ...any) {
	t.runs = append(t.runs, &run{stmt: sql, args: args})
}

// flush sends the queued writes and waits for them to be done.
func (t *backendTx) flush() error {
	if len(t.runs) == 0 {
		return nil
	}
	b := &pgx.Batch{}
	for _, r := range t.runs {
		if r.stmt != "" {
			b.Queue(r.stmt, r.args...)
		} else if r.del {
			b.Queue(deleteMany, r.buckets, r.keys)
		} else {
			b.Queue(putMany, r.buckets, r.keys, r.values)
		}
	}
	t.runs = nil
	return t.tx.SendBatch(t.ctx, b).Close()
}

// GetMany reads many keys of a bucket in one query (store.ManyGetter).
func (t *backendTx) GetMany(bucket string, keys [][]byte, fn func(k, v []byte) error) error {
	r, err := t.rel(bucket)
	if err != nil {
		return err
	}
	if err := t.flush(); err != nil {
		return err
	}
	q, args := "SELECT key, value FROM wifihk_records WHERE bucket = $1 AND key = ANY($2)", []any{bucket, keys}
	if r.table != nil {
		q, args = "SELECT key, value FROM "+tableName(bucket)+" WHERE key = ANY($1)", []any{keys}
	}
	rows, err := t.tx.Query(t.ctx, q, args...)
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
