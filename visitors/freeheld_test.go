package visitors_test

import (
	"errors"
	"syscall"
	"testing"
	"time"

	"github.com/wifihk/wifihk/internal/secrets/secretstest"
	"github.com/wifihk/wifihk/internal/storetest"
	"github.com/wifihk/wifihk/visitors"
)

// On a full disk (writes fail, reads work) a free pass is still admitted,
// once, within its device's allowance; the count is held in memory and
// stored by the next commit once the disk has room.
func TestFreePassOnAFullDisk(t *testing.T) {
	db, faults := storetest.OpenFaulty(t)
	st := visitors.New(db, secretstest.New(t))
	now := time.Now()
	st.SetNow(func() time.Time { return now })
	const mac = "02:00:00:00:00:07"
	issue := func(perDay int) string {
		t.Helper()
		c, _, _, err := st.IssueFree(visitors.OneTimeInput{MAC: mac, NAS: "n1", TTL: time.Hour}, perDay)
		if err != nil {
			t.Fatal(err)
		}
		return c.Username
	}
	first, second, third, fourth := issue(2), issue(2), issue(2), issue(5)

	faults.FailWrites(syscall.ENOSPC)
	if err := st.Consume(first); err != nil {
		t.Fatalf("first pass on a full disk: %v", err)
	}
	if err := st.Consume(first); err != nil {
		t.Fatalf("the same pass retried at once: %v", err)
	}
	now = now.Add(time.Minute) // past the retry window
	if err := st.Consume(first); !errors.Is(err, visitors.ErrUsedUp) {
		t.Fatalf("the same pass again: %v, want ErrUsedUp", err)
	}
	if err := st.Consume(second); err != nil {
		t.Fatalf("second pass: %v", err)
	}
	if err := st.Consume(third); !errors.Is(err, visitors.ErrNoFreeLeft) {
		t.Fatalf("a third pass over an allowance of 2: %v, want ErrNoFreeLeft", err)
	}
	if n, err := st.FreeUsedToday(mac); err != nil || n != 2 {
		t.Fatalf("FreeUsedToday while full = %d, %v; want 2 (held)", n, err)
	}

	faults.Fail(errors.New("store unreachable")) // reads fail too: dropped, not decided
	if err := st.Consume(fourth); err == nil || errors.Is(err, visitors.ErrNoFreeLeft) {
		t.Fatalf("with the store unreadable: %v, want a store error", err)
	}

	faults.Heal()
	if err := st.UseFreeSession("02:00:00:00:00:08", 0); err != nil { // another device's commit
		t.Fatal(err)
	}
	if err := st.UseFreeSession(mac, 3); err != nil { // the next commit for the device stores the held two
		t.Fatal(err)
	}
	if n, err := st.FreeUsedToday(mac); err != nil || n != 3 {
		t.Fatalf("FreeUsedToday after the disk came back = %d, %v; want 3", n, err)
	}
	if err := st.Consume(first); !errors.Is(err, visitors.ErrUsedUp) {
		t.Fatalf("the first pass after the disk came back: %v, want ErrUsedUp (stored)", err)
	}
}
