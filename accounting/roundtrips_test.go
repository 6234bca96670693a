package accounting

import (
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/wifihk/wifihk/internal/datadir"
	"github.com/wifihk/wifihk/internal/store"
)

// countingBackend counts read transactions and single-key reads, which
// on PostgreSQL are round trips each.
type countingBackend struct {
	store.Backend
	views, gets, many atomic.Int64
	scanned           atomic.Int64 // session records ("s/") a scan passed
}

func (b *countingBackend) View(fn func(store.BackendTx) error) error {
	b.views.Add(1)
	return b.Backend.View(func(tx store.BackendTx) error { return fn(countingTx{tx, b}) })
}

type countingTx struct {
	store.BackendTx
	b *countingBackend
}

func (tx countingTx) Get(bucket string, key []byte) ([]byte, error) {
	tx.b.gets.Add(1)
	return tx.BackendTx.Get(bucket, key)
}

func (tx countingTx) Seek(bucket string, from []byte, fn func(k, v []byte) (bool, error)) error {
	return tx.BackendTx.Seek(bucket, from, func(k, v []byte) (bool, error) {
		if bucket == store.Sessions && strings.HasPrefix(string(k), "s/") {
			tx.b.scanned.Add(1)
		}
		return fn(k, v)
	})
}

func (tx countingTx) GetMany(bucket string, keys [][]byte, fn func(k, v []byte) error) error {
	tx.b.many.Add(1)
	return store.GetEach(tx.BackendTx, bucket, keys, fn)
}

// countingStore is a Store (with its journal) on a bbolt file whose reads
// are counted; both close when the test ends.
func countingStore(t *testing.T) (*Store, *countingBackend) {
	t.Helper()
	dir := t.TempDir()
	be, err := store.OpenBolt(datadir.Dir(dir).DB(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cb := &countingBackend{Backend: be}
	db, err := store.New(cb, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	st, err := Open(db, filepath.Join(dir, "accounting.journal"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	return st, cb
}

// The committer reads the store only for sessions it does not know, and
// then all of a group's in one query: an Interim-Update for a known
// session opens no transaction, and a group of first packets (a NAS
// restart, a failover from another node) is one read, not one each.
func TestCommitReadsOnlyWhatItDoesNotKnow(t *testing.T) {
	st, cb := countingStore(t)
	if _, err := st.Apply(Update{NAS: "nas1", AcctID: "a", Status: Start, Username: "bob"}); err != nil {
		t.Fatal(err)
	}
	views := cb.views.Load()
	for i := range uint64(20) {
		if _, err := st.Apply(Update{NAS: "nas1", AcctID: "a", Status: Interim, InputOctets: i + 1}); err != nil {
			t.Fatal(err)
		}
	}
	if n := cb.views.Load() - views; n != 0 {
		t.Errorf("20 Interim-Updates of a known session opened %d read transactions, want 0", n)
	}
	gets := cb.gets.Load()
	var us []Update
	for i := range 50 {
		us = append(us, Update{NAS: "nas2", AcctID: fmt.Sprint("b", i), Status: Interim, Username: "carol", InputOctets: 1})
	}
	for i, err := range func() []error { _, errs := st.ApplyAll(us); return errs }() {
		if err != nil {
			t.Fatalf("%d: %v", i, err)
		}
	}
	if n := cb.gets.Load() - gets; n != 0 {
		t.Errorf("50 unseen sessions read with %d single Gets (and %d GetMany), want only GetMany", n, cb.many.Load())
	}
	if n, err := st.CloseNAS("nas2", "NAS-Reboot"); err != nil || n != 50 {
		t.Fatalf("close NAS: %d %v", n, err)
	}
}

// An apply writes each session once however many of its Interim-Updates
// the batch holds, and a later delete or put of a key wins over an earlier
// one.
func TestLatestWriteWins(t *testing.T) {
	put := func(k, v string) op { return op{key: k, val: []byte(v)} }
	del := func(k string) op { return op{del: true, key: k} }
	got := latest([][]op{
		{put("s/a", "1"), put("u/a", "1")},
		{put("s/a", "2"), put("s/b", "1"), del("x")},
		{put("s/a", "3"), del("u/a"), put("x", "1")},
	})
	want := []op{put("s/a", "3"), put("s/b", "1"), put("x", "1"), del("u/a")}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("latest:\n got %v\nwant %v", got, want)
	}
}
