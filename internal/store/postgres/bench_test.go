package postgres_test

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/wifihk/wifihk/internal/store"
	"github.com/wifihk/wifihk/internal/store/postgres"
	"github.com/wifihk/wifihk/internal/store/postgres/pgtest"
)

// BenchmarkUpdate is one small durable write transaction (a Get and a Put),
// one caller at a time, on bbolt (fsync) and on PostgreSQL over loopback
// with fsync and synchronous_commit on.
func BenchmarkUpdate(b *testing.B) {
	bolt, err := store.Open(b.TempDir(), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer bolt.Close()
	b.Run("bolt", func(b *testing.B) { benchUpdate(b, bolt) })
	b.Run("postgres", func(b *testing.B) {
		s := pgtest.Private(b, pgtest.Options{Durable: true})
		url, err := s.CreateDB()
		if err != nil {
			b.Fatal(err)
		}
		db, err := postgres.Open(url, store.Options{})
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		benchUpdate(b, db)
	})
}

func benchUpdate(b *testing.B, db *store.DB) {
	i := 0
	for b.Loop() {
		i++
		err := db.Update(func(tx *store.Tx) error {
			var r rec
			tx.Get(store.Plans, "counter", &r)
			return tx.Put(store.Plans, fmt.Sprint(i%1000), rec{i})
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBatchParallel is many callers' Batch at once: group commit.
func BenchmarkBatchParallel(b *testing.B) {
	bolt, err := store.Open(b.TempDir(), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer bolt.Close()
	b.Run("bolt", func(b *testing.B) { benchBatch(b, bolt) })
	b.Run("postgres", func(b *testing.B) {
		db, err := postgres.Open(must(pgtest.Private(b, pgtest.Options{Durable: true}).CreateDB()), store.Options{})
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		benchBatch(b, db)
	})
}

func benchBatch(b *testing.B, db *store.DB) {
	var n atomic.Int64
	b.SetParallelism(32)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			err := db.Batch(func(tx *store.Tx) error { return tx.Put(store.Plans, fmt.Sprint(i%1000), rec{int(i)}) })
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkUpdateMany is one transaction writing 1,000 records (as an
// accounting apply does), on PostgreSQL with fsync and synchronous_commit
// on; ns/op is per transaction.
func BenchmarkUpdateMany(b *testing.B) {
	db, err := postgres.Open(must(pgtest.Private(b, pgtest.Options{Durable: true}).CreateDB()), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	i := 0
	for b.Loop() {
		err := db.Update(func(tx *store.Tx) error {
			for range 1000 {
				i++
				if err := tx.Put(store.Plans, fmt.Sprint(i%20000), rec{i}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
