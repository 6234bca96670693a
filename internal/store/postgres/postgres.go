// Package postgres is a store.Backend on PostgreSQL (15 or later), driven
// with pgx: the store for operators who outgrow one bbolt file.
//
// # Schema
//
// Created at Open when missing:
//
//	wifihk_buckets (name text primary key, seq bigint,        -- one row per bucket, its NextID sequence,
//	                layout jsonb)                             -- and its table's layout, if it has one
//	wifihk_records (bucket text references wifihk_buckets,
//	                key bytea, value bytea,
//	                primary key (bucket, key))                 -- the records of every other bucket
//
// A bucket a migration declares a store.Table for lives in a table of its
// own, wifihk_<bucket> (key bytea primary key, value bytea, and the
// declared columns, filled from the record on Put; tables.go). Bucket
// names use the "C" collation and keys are bytea, which PostgreSQL
// compares bytewise (memcmp, then length): the primary key's index gives
// Seek the same order as bbolt, and serves Get, prefix scans and ranges.
// Values are the front end's JSON exactly as written, in bytea rather than
// jsonb, because jsonb rewrites a document (key order, spacing) and the
// front end compares raw records to see whether one changed; read them
// with convert_from(value, 'UTF8')::jsonb, or the typed columns.
// docs/POSTGRES.md describes the tables for operators.
//
// # Transactions
//
// View is REPEATABLE READ, READ ONLY: one consistent snapshot, never
// blocked by writers. Update and Batch take one transaction-scoped
// advisory lock (the same key on every node sharing the database) and then
// run READ COMMITTED: writers run one at a time across all nodes, as
// bbolt's do in one process, and each statement after the lock sees every
// write committed before it, so fn reads what it is about to change and
// nobody changes it meanwhile. This is chosen over SERIALIZABLE with retry
// because DB.Update promises to run fn once (only Batch's fn may rerun),
// and a serialization failure could otherwise only be reported as an
// outage. The cost is that writes do not run in parallel. Batch is group
// commit, as in bbolt: concurrent calls within 2 ms share one transaction
// and one commit (a failing fn is taken out and run alone).
//
// Put and Delete do not wait for the server: a transaction's writes are
// queued and go out together, in one round trip, before its next read and
// before its commit (queued.go).
//
// The lock covers wifihk's own writers only: a person writing to these
// tables by hand must take it too (SELECT pg_advisory_xact_lock(lockKey)).
//
// # Failures
//
// A lost connection, a refused one, or a failed statement comes back as
// the driver's error, which store.DB reports as store.ErrUnavailable. A
// commit whose connection is lost may or may not have happened. The pool
// connects again on the next transaction once the server is back (with a
// multi-host URL and target_session_attrs=read-write, to whichever server
// takes writes, as after a failover); a connection attempt gives up after
// 5 s unless the URL sets connect_timeout. Lock, statement and
// transaction timeouts keep a hung writer or a dead connection from
// holding up the others (timeouts.go).
//
// # Backup
//
// Backup writes a bbolt file, a copy of every bucket taken in one
// snapshot, that store.OpenFile opens (and `wifihk restore` restores)
// like any bbolt backup; pg_dump of the two tables is the database's own.
package postgres

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/wifihk/wifihk/internal/datadir"
	"github.com/wifihk/wifihk/internal/store"
)

// lockKey is the advisory lock every writer takes ("wifihk" in ASCII).
const lockKey = 0x776966686b

// pageSize is how many records Seek reads per query.
const pageSize = 256

const schema = `
CREATE TABLE IF NOT EXISTS wifihk_buckets (
	name text COLLATE "C" PRIMARY KEY,
	seq bigint NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS wifihk_records (
	bucket text COLLATE "C" NOT NULL REFERENCES wifihk_buckets (name),
	key bytea NOT NULL,
	value bytea NOT NULL,
	PRIMARY KEY (bucket, key)
);
ALTER TABLE wifihk_buckets ADD COLUMN IF NOT EXISTS layout jsonb;`

// Backend is a store.Backend on one PostgreSQL database.
type Backend struct {
	pool *pgxpool.Pool

	mu    sync.RWMutex
	known map[string]*rel // buckets seen to exist, and where; buckets are never dropped

	batchMu sync.Mutex
	batch   *group // the Batch transaction that calls may still join

	txTimeout    time.Duration // each transaction's deadline (timeouts.go)
	txTimeoutSet bool          // by the URL

	origin    string // this Backend's id in the change feed (notify.go)
	listening atomic.Bool
	log       atomic.Pointer[slog.Logger]
}

// Open connects to the database at url (postgres://… or key=value, as
// libpq takes) and returns a store.DB over it, its schema brought up to
// date with opt (only opt.Key counts here).
func Open(url string, opt store.Options) (*store.DB, error) {
	return open(url, opt, false)
}

// OpenBulk is Open for one long transaction, such as store migrate's
// copy of a whole installation: its transactions have no deadline unless
// the URL sets tx_timeout (statement and lock timeouts still hold).
func OpenBulk(url string, opt store.Options) (*store.DB, error) {
	return open(url, opt, true)
}

func open(url string, opt store.Options, bulk bool) (*store.DB, error) {
	be, err := OpenBackend(url)
	if err != nil {
		return nil, err
	}
	// A schema migration may rewrite a large bucket in one transaction.
	txTimeout := be.txTimeout
	if !bulk || be.txTimeoutSet {
		defer func() { be.txTimeout = txTimeout }()
	}
	be.txTimeout = migrationTimeout
	return store.New(be, opt)
}

// OpenBackend connects and creates the tables when missing.
func OpenBackend(url string) (*Backend, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if cfg.ConnConfig.ConnectTimeout == 0 { // not in the URL: a dead host fails fast
		cfg.ConnConfig.ConnectTimeout = 5 * time.Second
	}
	txTimeout, set, err := configure(cfg, url)
	if err != nil {
		return nil, err
	}
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	b := &Backend{pool: pool, known: map[string]*rel{}, txTimeout: txTimeout, txTimeoutSet: set, origin: newOrigin()}
	ctx, cancel := b.txContext()
	defer cancel()
	err = b.locked(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, schema)
		return err
	})
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("%w: postgres: %w", store.ErrUnavailable, err)
	}
	return b, nil
}

// locked runs fn in a READ COMMITTED transaction holding the writers' lock.
func (b *Backend) locked(ctx context.Context, fn func(pgx.Tx) error) error {
	tx, err := b.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", int64(lockKey)); err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

func (b *Backend) View(fn func(store.BackendTx) error) error {
	ctx, cancel := b.txContext()
	defer cancel()
	tx, err := b.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	t := &backendTx{b: b, tx: tx, ctx: ctx}
	if err := fn(t); err != nil {
		return err
	}
	if err := t.flush(); err != nil { // a write here: the server refuses it
		return err
	}
	return tx.Commit(ctx)
}

func (b *Backend) Update(fn func(store.BackendTx) error) error {
	ctx, cancel := b.txContext()
	defer cancel()
	t := &backendTx{b: b, ctx: ctx, tabled: map[string]*rel{}}
	err := b.locked(ctx, func(tx pgx.Tx) error {
		t.tx = tx
		if err := fn(t); err != nil {
			return err
		}
		if err := t.flush(); err != nil {
			return err
		}
		return t.announceQueued()
	})
	if err == nil {
		b.mu.Lock()
		for _, n := range t.created {
			b.known[n] = plain
		}
		for n, r := range t.tabled {
			b.known[n] = r
		}
		b.mu.Unlock()
	}
	return err
}

// Batch is group commit, as bbolt's: calls that arrive within batchDelay
// of each other share one transaction and one commit. When one call's fn
// fails, the transaction is rolled back, the others run again without it,
// and it runs alone; so fn may run more than once.
func (b *Backend) Batch(fn func(store.BackendTx) error) error {
	c := call{fn: fn, err: make(chan error, 1)}
	b.batchMu.Lock()
	if b.batch == nil {
		g := &group{b: b}
		g.timer = time.AfterFunc(batchDelay, g.trigger)
		b.batch = g
	}
	g := b.batch
	g.calls = append(g.calls, c)
	if len(g.calls) >= batchSize {
		b.batch = nil // full: nobody joins it any more
		go g.trigger()
	}
	b.batchMu.Unlock()
	err := <-c.err
	if err == errSolo {
		err = b.Update(fn)
	}
	return err
}

const (
	batchDelay = 2 * time.Millisecond
	batchSize  = 1000
)

// errSolo tells a Batch caller that its fn failed in a group and must run
// alone.
var errSolo = errors.New("postgres: run alone")

type call struct {
	fn  func(store.BackendTx) error
	err chan error
}

// group is the calls of one shared Batch transaction.
type group struct {
	b     *Backend
	once  sync.Once
	timer *time.Timer
	calls []call
}

func (g *group) trigger() { g.once.Do(g.run) }

func (g *group) run() {
	g.b.batchMu.Lock()
	g.timer.Stop()
	if g.b.batch == g {
		g.b.batch = nil
	}
	g.b.batchMu.Unlock()
	for len(g.calls) > 0 {
		failed := -1
		err := g.b.Update(func(tx store.BackendTx) error {
			for i, c := range g.calls {
				err := c.fn(tx)
				if err == nil { // its writes' errors are its own
					err = tx.(*backendTx).flush()
				}
				if err != nil {
					failed = i
					return err
				}
			}
			return nil
		})
		if failed < 0 {
			for _, c := range g.calls {
				c.err <- err
			}
			return
		}
		g.calls[failed].err <- errSolo
		g.calls = slices.Delete(g.calls, failed, failed+1)
	}
}

// Backup writes a bbolt file holding one snapshot of every bucket.
func (b *Backend) Backup(w io.Writer) (int64, error) {
	dir, err := os.MkdirTemp("", "wifihk-pg-backup-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	path := datadir.Dir(dir).DB()
	dst, err := store.OpenBolt(path, store.Options{})
	if err != nil {
		return 0, err
	}
	if _, err := store.Copy(dst, b); err != nil {
		dst.Close()
		return 0, err
	}
	if err := dst.Close(); err != nil {
		return 0, err
	}
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	return io.Copy(w, f)
}

// Check verifies that the database answers and that every record's bucket
// exists (the foreign key should make that so).
func (b *Backend) Check() error {
	var orphans int
	ctx, cancel := b.txContext()
	defer cancel()
	err := b.pool.QueryRow(ctx, `SELECT count(*) FROM wifihk_records r
		WHERE NOT EXISTS (SELECT 1 FROM wifihk_buckets b WHERE b.name = r.bucket)`).Scan(&orphans)
	if err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	if orphans > 0 {
		return fmt.Errorf("postgres: %d records outside any bucket", orphans)
	}
	return nil
}

func (b *Backend) Close() error {
	b.pool.Close()
	return nil
}

type backendTx struct {
	b       *Backend
	tx      pgx.Tx
	ctx     context.Context
	created []string        // buckets this transaction created
	tabled  map[string]*rel // buckets this transaction moved to tables
	runs    []*run          // writes not yet sent (queued.go)
	notes   []string        // change feed notifications to send at commit
}

// rel returns where bucket's records live, or ErrUnknownBucket unless it
// exists (for this transaction).
func (t *backendTx) rel(name string) (*rel, error) {
	if r := t.tabled[name]; r != nil {
		return r, nil
	}
	t.b.mu.RLock()
	r := t.b.known[name]
	t.b.mu.RUnlock()
	if r != nil {
		return r, nil
	}
	var layout []byte
	err := t.tx.QueryRow(t.ctx, "SELECT layout FROM wifihk_buckets WHERE name = $1", name).Scan(&layout)
	if err == pgx.ErrNoRows {
		return nil, fmt.Errorf("%w %q (add it to a migration)", store.ErrUnknownBucket, name)
	}
	if err != nil {
		return nil, err
	}
	r = plain
	if layout != nil {
		var tbl store.Table
		if err := json.Unmarshal(layout, &tbl); err != nil {
			return nil, fmt.Errorf("postgres: bucket %s layout: %w", name, err)
		}
		r = newRel(tbl)
	}
	if !slices.Contains(t.created, name) {
		// Committed by someone, so it exists for good.
		t.b.mu.Lock()
		t.b.known[name] = r
		t.b.mu.Unlock()
	}
	return r, nil
}

func (t *backendTx) CreateBucket(name string) error {
	if err := t.flush(); err != nil {
		return err
	}
	tag, err := t.tx.Exec(t.ctx, "INSERT INTO wifihk_buckets (name) VALUES ($1) ON CONFLICT DO NOTHING", name)
	if err == nil && tag.RowsAffected() == 1 {
		t.created = append(t.created, name)
	}
	return err
}

func (t *backendTx) Get(bucket string, key []byte) ([]byte, error) {
	r, err := t.rel(bucket)
	if err != nil {
		return nil, err
	}
	if err := t.flush(); err != nil {
		return nil, err
	}
	var v []byte
	err = t.tx.QueryRow(t.ctx, r.get, r.args(bucket, key)...).Scan(&v)
	if err == pgx.ErrNoRows {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if v == nil {
		v = []byte{} // an empty record is not a missing one
	}
	return v, nil
}

func (t *backendTx) Put(bucket string, key, value []byte) error {
	r, err := t.rel(bucket)
	if err != nil {
		return err
	}
	if value == nil {
		value = []byte{}
	}
	if r.table == nil {
		t.queue(bucket, key, value, false)
		return nil
	}
	args, err := r.putArgs(bucket, key, value)
	if err != nil {
		return err
	}
	t.queueStmt(r.put, copied(args)...)
	return nil
}

func (t *backendTx) Delete(bucket string, key []byte) error {
	r, err := t.rel(bucket)
	if err != nil {
		return err
	}
	if r.table == nil {
		t.queue(bucket, key, nil, true)
		return nil
	}
	t.queueStmt(r.del, r.args(bucket, bytes.Clone(key))...)
	return nil
}

// Seek reads a page at a time, so that fn may use the transaction between
// records (a connection runs one query at a time).
func (t *backendTx) Seek(bucket string, from []byte, fn func(k, v []byte) (bool, error)) error {
	r, err := t.rel(bucket)
	if err != nil {
		return err
	}
	if err := t.flush(); err != nil {
		return err
	}
	if from == nil {
		from = []byte{}
	}
	q := r.ge
	for {
		rows, err := t.tx.Query(t.ctx, q, r.args(bucket, from, pageSize)...)
		if err != nil {
			return err
		}
		var keys, vals [][]byte
		for rows.Next() {
			var k, v []byte
			if err := rows.Scan(&k, &v); err != nil {
				rows.Close()
				return err
			}
			keys, vals = append(keys, k), append(vals, v)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for i := range keys {
			if more, err := fn(keys[i], vals[i]); err != nil || !more {
				return err
			}
		}
		if len(keys) < pageSize {
			return nil
		}
		from, q = bytes.Clone(keys[len(keys)-1]), r.gt
	}
}

func (t *backendTx) Count(bucket string) (int, error) {
	r, err := t.rel(bucket)
	if err != nil {
		return 0, err
	}
	if err := t.flush(); err != nil {
		return 0, err
	}
	var n int
	err = t.tx.QueryRow(t.ctx, r.count, r.args(bucket)...).Scan(&n)
	return n, err
}

func (t *backendTx) NextID(bucket string) (uint64, error) {
	if _, err := t.rel(bucket); err != nil {
		return 0, err
	}
	if err := t.flush(); err != nil {
		return 0, err
	}
	var n int64
	err := t.tx.QueryRow(t.ctx, "UPDATE wifihk_buckets SET seq = seq + 1 WHERE name = $1 RETURNING seq", bucket).Scan(&n)
	return uint64(n), err
}

// Sequence returns the bucket's last NextID, for store.Copy.
func (t *backendTx) Sequence(bucket string) (uint64, error) {
	if err := t.flush(); err != nil {
		return 0, err
	}
	var n int64
	err := t.tx.QueryRow(t.ctx, "SELECT seq FROM wifihk_buckets WHERE name = $1", bucket).Scan(&n)
	return uint64(n), err
}

// SetSequence sets the bucket's last NextID, for store.Copy.
func (t *backendTx) SetSequence(bucket string, n uint64) error {
	t.queueStmt("UPDATE wifihk_buckets SET seq = $2 WHERE name = $1", bucket, int64(n))
	return nil
}
