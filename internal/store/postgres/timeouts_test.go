package postgres_test

import (
	"errors"
	"testing"
	"time"

	"github.com/wifihk/wifihk/internal/store"
	"github.com/wifihk/wifihk/internal/store/postgres/pgtest"
)

// A node that stops in the middle of a write holds the writers' lock: the
// other node's writes fail after lock_timeout instead of waiting forever,
// its reads go on, and once the server ends the stuck session
// (idle_in_transaction_session_timeout) writes go through again.
func TestHungWriterDoesNotBlockOthers(t *testing.T) {
	url := pgtest.NewDB(t) + "&lock_timeout=300ms&idle_in_transaction_session_timeout=1500ms"
	stuck, other := open(t, url), open(t, url)
	inside, release := make(chan struct{}), make(chan struct{})
	stuckErr := make(chan error, 1)
	go func() {
		stuckErr <- stuck.Update(func(tx *store.Tx) error {
			if err := tx.Put(store.Orgs, "a", rec{1}); err != nil {
				return err
			}
			close(inside)
			<-release
			return tx.Put(store.Orgs, "b", rec{2})
		})
	}()
	<-inside
	start := time.Now()
	err := other.Update(func(tx *store.Tx) error { return tx.Put(store.Orgs, "c", rec{3}) })
	if !errors.Is(err, store.ErrUnavailable) || time.Since(start) > 5*time.Second {
		t.Fatalf("write behind a hung writer: %v after %v, want ErrUnavailable after lock_timeout", err, time.Since(start))
	}
	if err := other.View(func(tx *store.Tx) error { _, err := tx.Count(store.Orgs); return err }); err != nil {
		t.Errorf("read behind a hung writer: %v", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		err = other.Update(func(tx *store.Tx) error { return tx.Put(store.Orgs, "c", rec{3}) })
		if err == nil || time.Now().After(deadline) {
			break
		}
	}
	if err != nil {
		t.Fatalf("the stuck session was never ended: %v", err)
	}
	close(release)
	if err := <-stuckErr; err == nil {
		t.Error("the stuck writer committed after the server ended its session")
	}
	other.View(func(tx *store.Tx) error {
		if tx.Has(store.Orgs, "a") || tx.Has(store.Orgs, "b") || !tx.Has(store.Orgs, "c") {
			t.Error("the stuck writer's records are in the store")
		}
		return nil
	})
}

// A server that stops answering (frozen, or a network dropping
// everything) fails reads and writes after tx_timeout instead of hanging
// them, and the same DB works again once it answers.
func TestFrozenServerTimesOut(t *testing.T) {
	srv := pgtest.Private(t, pgtest.Options{})
	url, err := srv.CreateDB()
	if err != nil {
		t.Fatal(err)
	}
	db := open(t, url+"&tx_timeout=1s")
	if err := db.Update(func(tx *store.Tx) error { return tx.Put(store.Orgs, "a", rec{1}) }); err != nil {
		t.Fatal(err)
	}
	srv.Pause()
	for _, op := range []struct {
		name string
		run  func() error
	}{
		{"write", func() error { return db.Update(func(tx *store.Tx) error { return tx.Put(store.Orgs, "b", rec{2}) }) }},
		{"read", func() error { return db.View(func(tx *store.Tx) error { return tx.Get(store.Orgs, "a", &rec{}) }) }},
	} {
		start := time.Now()
		err := op.run()
		if !errors.Is(err, store.ErrUnavailable) || time.Since(start) > 4*time.Second {
			t.Errorf("%s on a frozen server: %v after %v", op.name, err, time.Since(start))
		}
	}
	srv.Resume()
	deadline := time.Now().Add(10 * time.Second)
	for {
		err = db.Update(func(tx *store.Tx) error { return tx.Put(store.Orgs, "c", rec{3}) })
		if err == nil || time.Now().After(deadline) {
			break
		}
	}
	if err != nil {
		t.Fatalf("after the server answers again: %v", err)
	}
}

// A tx_timeout that is no duration is refused at open.
func TestBadTxTimeout(t *testing.T) {
	if _, err := postgresOpen(pgtest.NewDB(t) + "&tx_timeout=soon"); err == nil {
		t.Fatal("tx_timeout=soon accepted")
	}
}
