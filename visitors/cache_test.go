package visitors_test

import (
	"errors"
	"testing"

	"github.com/wifihk/wifihk/internal/secrets/secretstest"
	"github.com/wifihk/wifihk/internal/storetest"
	"github.com/wifihk/wifihk/visitors"
)

// newCachedReader is a Store under a random key and a reader over it.
func newCachedReader(t *testing.T) (*visitors.Store, *visitors.CachedReader) {
	st := visitors.New(storetest.Open(t), secretstest.New(t))
	return st, visitors.NewCachedReader(st)
}

func TestCachedReaderSeesEveryChange(t *testing.T) {
	st, r := newCachedReader(t)
	if _, err := r.Get("ot"); !errors.Is(err, visitors.ErrUnknown) {
		t.Fatalf("missing: %v", err)
	}
	if err := st.Insert(visitors.Credential{Username: "ot", Kind: visitors.KindOneTime, UsesLeft: 2}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if c, err := r.Get("ot"); err != nil || c.UsesLeft != 2 {
			t.Fatalf("got %+v, %v", c, err)
		}
	}
	if err := st.Consume("ot"); err != nil { // changes the stored record
		t.Fatal(err)
	}
	if c, err := r.Get("ot"); err != nil || c.UsesLeft != 1 {
		t.Fatalf("after Consume: UsesLeft %d, %v; want 1", c.UsesLeft, err)
	}
}

// The reader's Consume counts down the stored record, not the cached
// copy: a credential changed by another Store is consumed from its new
// state, and one used up stays used up.
func TestCachedReaderConsume(t *testing.T) {
	st, r := newCachedReader(t)
	if err := st.Insert(visitors.Credential{Username: "v", Kind: visitors.KindVoucher, UsesLeft: 3}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Get("v"); err != nil { // cached at 3 uses
		t.Fatal(err)
	}
	if err := st.Consume("v"); err != nil { // 2, behind the cache's back
		t.Fatal(err)
	}
	for range 2 {
		if err := r.Consume("v"); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Consume("v"); !errors.Is(err, visitors.ErrUsedUp) {
		t.Fatalf("fourth use: %v, want ErrUsedUp", err)
	}
	if c, err := r.Get("v"); err != nil || c.UsesLeft != 0 {
		t.Fatalf("after: UsesLeft %d, %v; want 0", c.UsesLeft, err)
	}
	if err := r.Consume("nobody"); !errors.Is(err, visitors.ErrUnknown) {
		t.Fatalf("unknown: %v", err)
	}
}

// The reader answers a credential or a device it has read from memory
// (here while the store fails), and reads it again once the store's change
// feed says it was written: read-your-writes in one process, and the
// same, after the feed's delay, for a write on another node.
func TestCachedReaderAnswersFromMemoryUntilChanged(t *testing.T) {
	db, faults := storetest.OpenFaulty(t)
	st := visitors.New(db, secretstest.New(t))
	r := visitors.NewCachedReader(st)
	if err := st.Insert(visitors.Credential{Username: "v", Kind: visitors.KindVoucher, UsesLeft: 2}); err != nil {
		t.Fatal(err)
	}
	if err := st.RememberDevice(visitors.Device{MAC: "02:00:00:00:00:01", Username: "v"}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Get("v"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Device("02:00:00:00:00:01"); err != nil {
		t.Fatal(err)
	}
	faults.Fail(errors.New("disk gone"))
	if c, err := r.Get("v"); err != nil || c.UsesLeft != 2 {
		t.Fatalf("from memory: %+v %v", c, err)
	}
	if d, err := r.Device("02:00:00:00:00:01"); err != nil || d.Username != "v" {
		t.Fatalf("device from memory: %+v %v", d, err)
	}
	if err := r.Consume("v"); err == nil {
		t.Fatal("Consume answered from memory; it must be a store transaction")
	}
	faults.Heal()
	if err := st.Consume("v"); err != nil {
		t.Fatal(err)
	}
	if err := st.RememberDevice(visitors.Device{MAC: "02:00:00:00:00:01", Username: "w"}); err != nil {
		t.Fatal(err)
	}
	faults.Fail(errors.New("disk gone"))
	if _, err := r.Get("v"); err == nil {
		t.Fatal("a changed credential was answered from memory")
	}
	if _, err := r.Device("02:00:00:00:00:01"); err == nil {
		t.Fatal("a changed device was answered from memory")
	}
	faults.Heal()
	if c, err := r.Get("v"); err != nil || c.UsesLeft != 1 {
		t.Fatalf("after the change: %+v %v", c, err)
	}
	if d, err := r.Device("02:00:00:00:00:01"); err != nil || d.Username != "w" {
		t.Fatalf("device after the change: %+v %v", d, err)
	}
}
