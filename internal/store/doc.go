// Package store is wifihk's persistent state: a transactional store of JSON
// records grouped in named buckets, kept in one bbolt file by default.
//
// Domain packages (hotspots, visitors, sessions, …) expose domain methods and
// use this package underneath; buckets never leak past them. The record model
// (bucket, key, JSON value) maps one to one onto a PostgreSQL table
// (bucket text, key bytea, value jsonb, primary key (bucket, key)), which is
// how several controller nodes will later share state.
package store
