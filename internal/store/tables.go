package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
	"time"
)

// A Table declares typed columns for one bucket, for a backend that can
// query them (PostgreSQL keeps such a bucket in a table of its own, the
// columns filled from each record on Put); bbolt ignores it. The record
// stays the front end's JSON, exactly as written: columns are a copy of
// some of its fields for SQL, never read back by wifihk.
type Table struct {
	Bucket string
	// Prefixes, when set, limit the columns to records whose key starts
	// with one of them; other records leave every column NULL.
	Prefixes []string
	Columns  []Column
	// Indexes lists the column sets to index, each in order.
	Indexes [][]string
}

// Column is one typed column of a Table.
type Column struct {
	Name string
	Type ColumnType
	// Field is the record's JSON field the column copies. Without one,
	// KeyPart (1-based) takes the column from the key split at "/".
	Field   string
	KeyPart int
}

// ColumnType is a column's SQL type. A JSON null, a missing field, an
// empty string (for time and date) and Go's zero time are SQL NULL.
type ColumnType string

// The column types, as PostgreSQL spells them.
const (
	Text    ColumnType = "text"
	Bigint  ColumnType = "bigint"
	Numeric ColumnType = "numeric(20)" // a uint64 counter: octets with gigawords
	Double  ColumnType = "double precision"
	Bool    ColumnType = "boolean"
	Time    ColumnType = "timestamptz"
	Date    ColumnType = "date" // from "2006-01-02"
	JSONB   ColumnType = "jsonb"
)

// Tabler is a BackendTx that keeps declared buckets in tables of their
// own; a migration's tables reach it through CreateTable.
type Tabler interface {
	// CreateTable moves t.Bucket into its own table with t's columns and
	// indexes, filling them from the records already there. It runs once
	// per table, in the migration that declares it.
	CreateTable(t Table) error
}

// Tables returns the tables of the current schema.
func Tables() []Table {
	var out []Table
	for _, m := range migrations {
		out = append(out, m.tables...)
	}
	return out
}

// Values returns the column values of the record value at key, in
// Columns' order, as Go values a SQL driver binds: nil (NULL), string,
// int64, *big.Int (numeric), float64, bool, time.Time, or a raw JSON
// string (jsonb). A record that is not a JSON object, or a field of the
// wrong kind, is an error: a declared column must match the records.
func (t Table) Values(key, value []byte) ([]any, error) {
	out := make([]any, len(t.Columns))
	if !t.covers(key) {
		return out, nil
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(value, &fields); err != nil {
		return nil, fmt.Errorf("store: %s/%s: columns: %w", t.Bucket, key, err)
	}
	parts := strings.Split(string(key), "/")
	for i, c := range t.Columns {
		var err error
		if c.Field == "" {
			if c.KeyPart > 0 && c.KeyPart <= len(parts) {
				raw, _ := json.Marshal(parts[c.KeyPart-1])
				out[i], err = c.value(raw)
			}
		} else {
			out[i], err = c.value(fields[c.Field])
		}
		if err != nil {
			return nil, fmt.Errorf("store: %s/%s: column %s: %w", t.Bucket, key, c.Name, err)
		}
	}
	return out, nil
}

func (t Table) covers(key []byte) bool {
	if len(t.Prefixes) == 0 {
		return true
	}
	for _, p := range t.Prefixes {
		if bytes.HasPrefix(key, []byte(p)) {
			return true
		}
	}
	return false
}

// value converts one JSON value to the column's Go value.
func (c Column) value(raw json.RawMessage) (any, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	switch c.Type {
	case JSONB:
		return string(raw), nil
	case Text:
		var s string
		err := json.Unmarshal(raw, &s)
		return s, err
	case Bool:
		var b bool
		err := json.Unmarshal(raw, &b)
		return b, err
	case Bigint:
		var n int64
		err := json.Unmarshal(raw, &n)
		return n, err
	case Double:
		var f float64
		err := json.Unmarshal(raw, &f)
		return f, err
	case Numeric:
		n, ok := new(big.Int).SetString(string(raw), 10)
		if !ok || n.Sign() < 0 {
			return nil, fmt.Errorf("%s is not a whole number", raw)
		}
		return n, nil
	case Time, Date:
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, err
		}
		layout := time.RFC3339Nano
		if c.Type == Date {
			layout = time.DateOnly
		}
		if s == "" {
			return nil, nil
		}
		v, err := time.Parse(layout, s)
		if err != nil || v.IsZero() {
			return nil, err
		}
		return v, nil
	}
	return nil, fmt.Errorf("unknown type %q", c.Type)
}
