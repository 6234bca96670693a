// Package store is wifihk's persistent state: a transactional store of JSON
// records grouped in named buckets, kept in one bbolt file by default or
// in PostgreSQL (internal/store/postgres).
//
// # Owners
//
// Each bucket has one owning package, named beside its constant in
// migrate.go: hotspots, staff, visitors, accounting or telemetry. Only the
// owner reads and writes it; everyone else calls the owner's domain
// methods (registry.AddAP, not tx.Put(store.APs, …)), and a test holds
// every package to this. The data dir's file names belong to
// internal/datadir.
//
// # Layers and seams
//
// Domain packages see DB (View, Update, Batch, Backup) and Tx (Get, Has,
// Put, Insert, Delete, Scan, Count, NextID) and the generic List; they
// never see the engine. DB and Tx are a front end, as database/sql's DB
// is over a driver: they encode records as JSON, report ErrNotFound,
// ErrExists and ErrUnavailable, and run the migrations. Under them is a
// Backend (backend.go): bbolt (bolt.go), or PostgreSQL in
// internal/store/postgres, one table (bucket, key, value) plus a table
// with typed columns for each bucket a migration declares a Table for
// (tables.go; a BackendTx that is a Tabler creates them, bbolt ignores
// them). A backend passes
// store.New and must provide:
//
//   - View, Update and Batch: serializable transactions, Update durable
//     when it returns nil; Batch may group callers and rerun fn. Its own
//     failures (connection lost, I/O) are returned as errors that are not
//     fn's: DB wraps them in ErrUnavailable, which HTTP answers with 503.
//   - BackendTx: Get, Put, Delete and an ordered Seek by bytewise key
//     order (List and Scan turn prefixes, ranges and limits into one
//     Seek, so an index on (bucket, key) serves them all), Count, and
//     NextID, a per-bucket sequence that commits with the transaction.
//   - CreateBucket, idempotent, and a "meta" bucket holding the schema
//     version: migrations (migrate.go) are written against BackendTx, so
//     every backend runs the same ones, and Buckets() lists what they
//     create (metrics count each).
//   - Backup to a writer, Check and Close.
//
// A backend whose reads are round trips may also read many keys at once
// (ManyGetter, getmany.go), as PostgreSQL does for Tx.GetRawMany.
//
// Copy (and DB.CopyTo) moves every bucket, records and sequences, from one
// backend to another: `wifihk store migrate`, and PostgreSQL's Backup,
// which writes a bbolt file.
//
// # Change feed
//
// A write transaction notes the keys it puts and deletes; after it
// commits, DB.Subscribe's subscribers of each bucket hear of them (feed.go):
// at once for a commit through this DB, and, on a backend other processes
// share, for theirs too. Caches in memory (the NAS index, credentials, the
// open sessions) subscribe instead of reading the store on every request.
// A shared backend provides Announcer on its transactions (send what was
// written, only if it commits) and Listener (deliver the others' commits,
// and "reload everything" after a reconnect): PostgreSQL's NOTIFY and
// LISTEN (internal/store/postgres/notify.go).
//
// TestBackendConformance runs the contract on bbolt, on an in-memory
// backend and on PostgreSQL (postgres_test.go adds it to TestBackends); a
// new backend joins that list.
package store
