// Package postgres is a store.Backend on PostgreSQL (15 or later), driven
// with pgx: the store for operators who outgrow one bbolt file.
//
// # Schema
//
// Two tables, created at Open when missing:
//
//	wifihk_buckets (name text primary key, seq bigint)        -- one row per bucket, its NextID sequence
//	wifihk_records (bucket text references wifihk_buckets,
//	                key bytea, value bytea,
//	                primary key (bucket, key))                 -- every record
//
// Bucket names use the "C" collation and keys are bytea, which PostgreSQL
// compares bytewise (memcmp, then length): the primary key's index gives
// Seek the same order as bbolt, and serves Get, prefix scans and ranges.
// Values are the front end's JSON exactly as written, in bytea rather than
// jsonb, because jsonb rewrites a document (key order, spacing) and the
// front end compares raw records to see whether one changed; read them
// with convert_from(value, 'UTF8')::jsonb. Columns for what people query
// with SQL (sessions, credentials, allowances) are a later phase.
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
// The lock covers wifihk's own writers only: a person writing to these
// tables by hand must take it too (SELECT pg_advisory_xact_lock(lockKey)).
//
// # Failures
//
// A lost connection, a refused one, or a failed statement comes back as
// the driver's error, which store.DB reports as store.ErrUnavailable. A
// commit whose connection is lost may or may not have happened. The pool
// connects again on the next transaction once the server is back; a
// connection attempt gives up after 5 s unless the URL sets
// connect_timeout.
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
);`

// Backend is a store.Backend on one PostgreSQL database.
type Backend struct {
	pool *pgxpool.Pool

	mu    sync.RWMutex
	known map[string]bool // buckets seen to exist; buckets are never dropped

	batchMu sync.Mutex
	batch   *group // the Batch transaction that calls may still join

	origin    string // this Backend's id in the change feed (notify.go)
	listening atomic.Bool
	log       atomic.Pointer[slog.Logger]
}

// Open connects to the database at url (postgres://… or key=value, as
// libpq takes) and returns a store.DB over it, its schema brought up to
// date with opt (only opt.Key counts here).
func Open(url string, opt store.Options) (*store.DB, error) {
	be, err := OpenBackend(url)
	if err != nil {
		return nil, err
	}
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
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	b := &Backend{pool: pool, known: map[string]bool{}, origin: newOrigin()}
	err = b.locked(context.Background(), func(tx pgx.Tx) error {
		_, err := tx.Exec(context.Background(), schema)
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
	ctx := context.Background()
	tx, err := b.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if err := fn(&backendTx{b: b, tx: tx, ctx: ctx}); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

func (b *Backend) Update(fn func(store.BackendTx) error) error {
	ctx := context.Background()
	t := &backendTx{b: b, ctx: ctx}
	err := b.locked(ctx, func(tx pgx.Tx) error {
		t.tx = tx
		if err := fn(t); err != nil {
			return err
		}
		return t.announceQueued()
	})
	if err == nil {
		b.mu.Lock()
		for _, n := range t.created {
			b.known[n] = true
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
				if err := c.fn(tx); err != nil {
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
	err := b.pool.QueryRow(context.Background(), `SELECT count(*) FROM wifihk_records r
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
	created []string // buckets this transaction created
	notes   []string // change feed notifications to send at commit
}

// bucket returns ErrUnknownBucket unless name exists (for this transaction).
func (t *backendTx) bucket(name string) error {
	t.b.mu.RLock()
	ok := t.b.known[name]
	t.b.mu.RUnlock()
	if ok {
		return nil
	}
	var n int
	if err := t.tx.QueryRow(t.ctx, "SELECT count(*) FROM wifihk_buckets WHERE name = $1", name).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("%w %q (add it to a migration)", store.ErrUnknownBucket, name)
	}
	if len(t.created) == 0 || !contains(t.created, name) {
		// Committed by someone, so it exists for good.
		t.b.mu.Lock()
		t.b.known[name] = true
		t.b.mu.Unlock()
	}
	return nil
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func (t *backendTx) CreateBucket(name string) error {
	tag, err := t.tx.Exec(t.ctx, "INSERT INTO wifihk_buckets (name) VALUES ($1) ON CONFLICT DO NOTHING", name)
	if err == nil && tag.RowsAffected() == 1 {
		t.created = append(t.created, name)
	}
	return err
}

func (t *backendTx) Get(bucket string, key []byte) ([]byte, error) {
	if err := t.bucket(bucket); err != nil {
		return nil, err
	}
	var v []byte
	err := t.tx.QueryRow(t.ctx, "SELECT value FROM wifihk_records WHERE bucket = $1 AND key = $2", bucket, key).Scan(&v)
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
	if err := t.bucket(bucket); err != nil {
		return err
	}
	if value == nil {
		value = []byte{}
	}
	_, err := t.tx.Exec(t.ctx, `INSERT INTO wifihk_records (bucket, key, value) VALUES ($1, $2, $3)
		ON CONFLICT (bucket, key) DO UPDATE SET value = excluded.value`, bucket, key, value)
	return err
}

func (t *backendTx) Delete(bucket string, key []byte) error {
	if err := t.bucket(bucket); err != nil {
		return err
	}
	_, err := t.tx.Exec(t.ctx, "DELETE FROM wifihk_records WHERE bucket = $1 AND key = $2", bucket, key)
	return err
}

// Seek reads a page at a time, so that fn may use the transaction between
// records (a connection runs one query at a time).
func (t *backendTx) Seek(bucket string, from []byte, fn func(k, v []byte) (bool, error)) error {
	if err := t.bucket(bucket); err != nil {
		return err
	}
	if from == nil {
		from = []byte{}
	}
	op := ">="
	for {
		rows, err := t.tx.Query(t.ctx, "SELECT key, value FROM wifihk_records WHERE bucket = $1 AND key "+op+
			" $2 ORDER BY key LIMIT $3", bucket, from, pageSize)
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
		from, op = bytes.Clone(keys[len(keys)-1]), ">"
	}
}

func (t *backendTx) Count(bucket string) (int, error) {
	if err := t.bucket(bucket); err != nil {
		return 0, err
	}
	var n int
	err := t.tx.QueryRow(t.ctx, "SELECT count(*) FROM wifihk_records WHERE bucket = $1", bucket).Scan(&n)
	return n, err
}

func (t *backendTx) NextID(bucket string) (uint64, error) {
	if err := t.bucket(bucket); err != nil {
		return 0, err
	}
	var n int64
	err := t.tx.QueryRow(t.ctx, "UPDATE wifihk_buckets SET seq = seq + 1 WHERE name = $1 RETURNING seq", bucket).Scan(&n)
	return uint64(n), err
}

// Sequence returns the bucket's last NextID, for store.Copy.
func (t *backendTx) Sequence(bucket string) (uint64, error) {
	var n int64
	err := t.tx.QueryRow(t.ctx, "SELECT seq FROM wifihk_buckets WHERE name = $1", bucket).Scan(&n)
	return uint64(n), err
}

// SetSequence sets the bucket's last NextID, for store.Copy.
func (t *backendTx) SetSequence(bucket string, n uint64) error {
	_, err := t.tx.Exec(t.ctx, "UPDATE wifihk_buckets SET seq = $2 WHERE name = $1", bucket, int64(n))
	return err
}
