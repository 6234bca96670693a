package postgres_test

import (
	"context"
	"math"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/wifihk/wifihk/internal/store"
	"github.com/wifihk/wifihk/internal/store/postgres"
	"github.com/wifihk/wifihk/internal/store/postgres/pgtest"
)

func connect(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(ctx) })
	return conn
}

const sessionJSON = `{"id":"nas-1/a1","nas":"nas-1","acct_session_id":"a1","username":"amy","mac":"02:00:00:00:00:01",` +
	`"venue":"OGCIO/0001","open":false,"started":"2026-12-03T10:00:00Z","updated":"2026-12-03T10:10:00.5Z",` +
	`"stopped":"2026-12-03T10:10:00.5Z","input_octets":18446744073709551615,"output_octets":4294967301,` +
	`"input_packets":7,"output_packets":9,"session_time_s":600,"terminate_cause":"User-Request","updates":3}`

// A session lands in wifihk_sessions with its fields in typed columns
// (octets past 2^63 included), and reads back byte for byte; the
// open-session index keys beside it leave the columns NULL.
func TestSessionColumns(t *testing.T) {
	url := pgtest.NewDB(t)
	db := open(t, url)
	err := db.Update(func(tx *store.Tx) error {
		if err := tx.PutRaw(store.Sessions, "s/nas-1\x00a1", []byte(sessionJSON)); err != nil {
			return err
		}
		return tx.PutRaw(store.Sessions, "n/nas-1\x00a1", []byte("1"))
	})
	if err != nil {
		t.Fatal(err)
	}
	db.View(func(tx *store.Tx) error {
		raw, err := tx.GetRaw(store.Sessions, "s/nas-1\x00a1")
		if string(raw) != sessionJSON || err != nil {
			t.Errorf("read back %s %v", raw, err)
		}
		return nil
	})
	conn := connect(t, url)
	var (
		venue, user, cause string
		in, out            string
		started, stopped   time.Time
		secs               int64
		open               bool
	)
	err = conn.QueryRow(context.Background(), `SELECT venue, username, terminate_cause, input_octets::text,
		output_octets::text, started, stopped, session_time_s, open FROM wifihk_sessions WHERE key = $1`,
		[]byte("s/nas-1\x00a1")).Scan(&venue, &user, &cause, &in, &out, &started, &stopped, &secs, &open)
	if err != nil {
		t.Fatal(err)
	}
	if venue != "OGCIO/0001" || user != "amy" || cause != "User-Request" || in != strconv.FormatUint(math.MaxUint64, 10) ||
		out != "4294967301" || !started.Equal(time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)) ||
		!stopped.Equal(time.Date(2026, 12, 3, 10, 10, 0, 5e8, time.UTC)) || secs != 600 || open {
		t.Errorf("columns: %q %q %q %s %s %v %v %d %v", venue, user, cause, in, out, started, stopped, secs, open)
	}
	var nulls int
	conn.QueryRow(context.Background(), `SELECT count(*) FROM wifihk_sessions WHERE id IS NULL`).Scan(&nulls)
	if nulls != 1 {
		t.Errorf("%d index rows without columns, want 1", nulls)
	}
}

// A store made before schema 5 keeps its records in wifihk_records; the
// migration moves them into their tables and fills the columns.
func TestMigrationMovesBucketsToTables(t *testing.T) {
	url := pgtest.NewDB(t)
	be, err := postgres.OpenBackend(url)
	if err != nil {
		t.Fatal(err)
	}
	err = be.Update(func(tx store.BackendTx) error {
		for _, b := range append([]string{"meta"}, store.Buckets()...) {
			if err := tx.CreateBucket(b); err != nil {
				return err
			}
		}
		if err := tx.Put("meta", []byte("schema"), []byte("4")); err != nil {
			return err
		}
		if err := tx.Put(store.Allowances, []byte("portal/02:00:00:00:00:01/2026-12-03"), []byte(`{"used":2}`)); err != nil {
			return err
		}
		return tx.Put(store.Sessions, []byte("s/nas-1\x00a1"), []byte(sessionJSON))
	})
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.New(be, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if v, _ := db.Version(); v != store.SchemaVersion {
		t.Fatalf("schema %d", v)
	}
	conn := connect(t, url)
	var left, used int
	var day time.Time
	ctx := context.Background()
	conn.QueryRow(ctx, `SELECT count(*) FROM wifihk_records WHERE bucket IN ('sessions', 'allowances')`).Scan(&left)
	err = conn.QueryRow(ctx, `SELECT used, day FROM wifihk_allowances WHERE mac = '02:00:00:00:00:01'`).Scan(&used, &day)
	if left != 0 || err != nil || used != 2 || day.Format(time.DateOnly) != "2026-12-03" {
		t.Errorf("after migration: %d left behind; allowance %d %v %v", left, used, day, err)
	}
	db.View(func(tx *store.Tx) error {
		raw, err := tx.GetRaw(store.Sessions, "s/nas-1\x00a1")
		if string(raw) != sessionJSON || err != nil {
			t.Errorf("read back %s %v", raw, err)
		}
		return nil
	})
	// A second node opening the migrated database writes to the tables.
	db2 := open(t, url)
	if err := db2.Update(func(tx *store.Tx) error { return tx.PutRaw(store.Sessions, "s/nas-1\x00a2", []byte(sessionJSON)) }); err != nil {
		t.Fatal(err)
	}
	var n int
	conn.QueryRow(ctx, `SELECT count(*) FROM wifihk_sessions WHERE venue = 'OGCIO/0001'`).Scan(&n)
	if n != 2 {
		t.Errorf("%d sessions in the table, want 2", n)
	}
}

// A record whose field does not fit its column is refused, not stored
// with a wrong column.
func TestColumnMismatchRefused(t *testing.T) {
	db := open(t, pgtest.NewDB(t))
	err := db.Update(func(tx *store.Tx) error {
		return tx.PutRaw(store.Sessions, "s/x\x00y", []byte(`{"started":"yesterday"}`))
	})
	if err == nil {
		t.Fatal("a session with a bad time was stored")
	}
}

func postgresOpen(url string) (*store.DB, error) { return postgres.Open(url, store.Options{}) }
