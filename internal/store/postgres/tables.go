package postgres

import (
	"encoding/json"
	"fmt"
	"math/big"
	"strings"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/wifihk/wifihk/internal/store"
)

// A rel is where one bucket's records live and the statements that reach
// them: the shared wifihk_records (every query's $1 is the bucket), or a
// table of the bucket's own, wifihk_<bucket>, declared by a migration
// (store.Table) with typed columns filled on Put.
type rel struct {
	table                        *store.Table // nil: wifihk_records
	get, put, del, ge, gt, count string
}

var plain = &rel{
	get:   "SELECT value FROM wifihk_records WHERE bucket = $1 AND key = $2",
	put:   "INSERT INTO wifihk_records (bucket, key, value) VALUES ($1, $2, $3) ON CONFLICT (bucket, key) DO UPDATE SET value = excluded.value",
	del:   "DELETE FROM wifihk_records WHERE bucket = $1 AND key = $2",
	ge:    "SELECT key, value FROM wifihk_records WHERE bucket = $1 AND key >= $2 ORDER BY key LIMIT $3",
	gt:    "SELECT key, value FROM wifihk_records WHERE bucket = $1 AND key > $2 ORDER BY key LIMIT $3",
	count: "SELECT count(*) FROM wifihk_records WHERE bucket = $1",
}

// tableName is the table of a bucket that has one. Bucket names are
// lower-case words (store's constants), so they need no quoting.
func tableName(bucket string) string { return "wifihk_" + bucket }

func newRel(t store.Table) *rel {
	name := tableName(t.Bucket)
	cols, params, sets := []string{"key", "value"}, []string{"$1", "$2"}, []string{"value = excluded.value"}
	for i, c := range t.Columns {
		cols = append(cols, c.Name)
		params = append(params, fmt.Sprintf("$%d", i+3))
		sets = append(sets, c.Name+" = excluded."+c.Name)
	}
	return &rel{table: &t,
		get: "SELECT value FROM " + name + " WHERE key = $1",
		put: "INSERT INTO " + name + " (" + strings.Join(cols, ", ") + ") VALUES (" + strings.Join(params, ", ") +
			") ON CONFLICT (key) DO UPDATE SET " + strings.Join(sets, ", "),
		del:   "DELETE FROM " + name + " WHERE key = $1",
		ge:    "SELECT key, value FROM " + name + " WHERE key >= $1 ORDER BY key LIMIT $2",
		gt:    "SELECT key, value FROM " + name + " WHERE key > $1 ORDER BY key LIMIT $2",
		count: "SELECT count(*) FROM " + name,
	}
}

// args are a statement's arguments: the bucket first for wifihk_records.
func (r *rel) args(bucket string, rest ...any) []any {
	if r.table != nil {
		return rest
	}
	return append([]any{bucket}, rest...)
}

// putArgs are Put's arguments, with the columns taken from the record.
func (r *rel) putArgs(bucket string, key, value []byte) ([]any, error) {
	if r.table == nil {
		return []any{bucket, key, value}, nil
	}
	vals, err := r.table.Values(key, value)
	if err != nil {
		return nil, err
	}
	args := append(make([]any, 0, len(vals)+2), key, value)
	for _, v := range vals {
		if n, ok := v.(*big.Int); ok {
			v = pgtype.Numeric{Int: n, Valid: true}
		}
		args = append(args, v)
	}
	return args, nil
}

// createTableSQL is the DDL of t's table and indexes.
func createTableSQL(t store.Table) string {
	name := tableName(t.Bucket)
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE TABLE %s (\n\tkey bytea PRIMARY KEY,\n\tvalue bytea NOT NULL", name)
	for _, c := range t.Columns {
		fmt.Fprintf(&b, ",\n\t%s %s", c.Name, c.Type)
	}
	b.WriteString("\n);\n")
	for _, ix := range t.Indexes {
		fmt.Fprintf(&b, "CREATE INDEX ON %s (%s);\n", name, strings.Join(ix, ", "))
	}
	return b.String()
}

// CreateTable moves a bucket from wifihk_records into a table of its own
// (store.Tabler), filling the columns from its records, and notes the
// layout in wifihk_buckets so that every node opening the database later
// finds it there.
func (t *backendTx) CreateTable(tbl store.Table) error {
	if _, err := t.rel(tbl.Bucket); err != nil {
		return err
	}
	if err := t.flush(); err != nil {
		return err
	}
	if _, err := t.tx.Exec(t.ctx, createTableSQL(tbl)); err != nil {
		return err
	}
	r := newRel(tbl)
	var keys, vals [][]byte
	err := t.Seek(tbl.Bucket, nil, func(k, v []byte) (bool, error) {
		keys, vals = append(keys, k), append(vals, v)
		return true, nil
	})
	if err != nil {
		return err
	}
	for i := range keys {
		args, err := r.putArgs(tbl.Bucket, keys[i], vals[i])
		if err == nil {
			_, err = t.tx.Exec(t.ctx, r.put, args...)
		}
		if err != nil {
			return err
		}
	}
	if _, err := t.tx.Exec(t.ctx, "DELETE FROM wifihk_records WHERE bucket = $1", tbl.Bucket); err != nil {
		return err
	}
	layout, _ := json.Marshal(tbl)
	if _, err := t.tx.Exec(t.ctx, "UPDATE wifihk_buckets SET layout = $2 WHERE name = $1", tbl.Bucket, string(layout)); err != nil {
		return err
	}
	t.tabled[tbl.Bucket] = r
	return nil
}
