package store

import (
	"bytes"
	"encoding/json"
	"fmt"
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
// set).
func List[T any](tx *Tx, bucket string, q Query[T]) ([]T, error) {
	b, err := tx.bucket(bucket)
	if err != nil {
		return nil, err
	}
	var out []T
	prefix, to := []byte(q.Prefix), []byte(q.To)
	c := b.Cursor()
	for k, raw := c.Seek([]byte(max(q.Prefix, q.From))); k != nil && bytes.HasPrefix(k, prefix); k, raw = c.Next() {
		if len(to) > 0 && bytes.Compare(k, to) >= 0 {
			break
		}
		var v T
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, fmt.Errorf("store: decode %s/%s: %w", bucket, k, err)
		}
		if q.Keep != nil && !q.Keep(&v) {
			continue
		}
		out = append(out, v)
		if q.Limit > 0 && len(out) == q.Limit {
			break
		}
	}
	return out, nil
}
