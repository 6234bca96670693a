package store

import (
	"bytes"
	"encoding/json"
)

// Query selects the records List returns from a bucket. The zero Query
// selects them all.
type Query[T any] struct {
	// Prefix keeps the keys that start with it.
	Prefix string
	// From and To keep the keys in [From, To); "" leaves that end open.
	From, To string
	// Keep, when set, keeps only the records it accepts.
	Keep func(*T) bool
	// Limit, when positive, stops once that many records are kept.
	Limit int
}

// List decodes the records of bucket that q selects, in key order. This
// is the one scan-decode-append loop; a backend answers the key range
// and the limit natively (a PostgreSQL WHERE and LIMIT when no Keep is
// set). A record that does not decode is skipped and reported (see
// DB.Damaged), so that one damaged record hides no good one.
func List[T any](tx *Tx, bucket string, q Query[T]) ([]T, error) {
	var out []T
	prefix, to := []byte(q.Prefix), []byte(q.To)
	err := tx.b.Seek(bucket, []byte(max(q.Prefix, q.From)), func(k, raw []byte) (bool, error) {
		if !bytes.HasPrefix(k, prefix) || len(to) > 0 && bytes.Compare(k, to) >= 0 {
			return false, nil
		}
		var v T
		if err := json.Unmarshal(raw, &v); err != nil {
			tx.damage.note(bucket, k, decodeErr(raw, err))
			return true, nil
		}
		if q.Keep == nil || q.Keep(&v) {
			out = append(out, v)
		}
		return q.Limit <= 0 || len(out) < q.Limit, nil
	})
	if err != nil {
		return nil, failed(err)
	}
	return out, nil
}
