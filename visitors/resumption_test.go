package visitors

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/wifihk/wifihk/internal/store"
)

func TestResumptionsSavedReadExpiredAndPurged(t *testing.T) {
	s := newTestStore(t)
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	s.now = func() time.Time { return now }
	live := Resumption{Tag: strings.Repeat("ab", 16), User: "alice", Org: "hkpl", Method: "ttls",
		AccountCreated: now.Add(-time.Hour), ExpiresAt: now.Add(time.Hour)}
	old := Resumption{Tag: strings.Repeat("cd", 16), User: "bob", Method: "peap", ExpiresAt: now.Add(-time.Minute)}
	if err := s.SaveResumptions([]Resumption{live, old}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Resumption(live.Tag)
	if err != nil || got != live {
		t.Fatalf("got %+v, %v; want %+v", got, err, live)
	}
	if _, err := s.Resumption(old.Tag); !errors.Is(err, ErrUnknown) {
		t.Errorf("an expired record: %v, want ErrUnknown", err)
	}
	if _, err := s.Resumption(strings.Repeat("ef", 16)); !errors.Is(err, ErrUnknown) {
		t.Errorf("a tag never saved: %v, want ErrUnknown", err)
	}
	if n, err := s.PurgeResumptions(now); err != nil || n != 1 {
		t.Fatalf("purged %d, %v; want the expired one", n, err)
	}
	if count(t, s, store.Resumptions) != 1 {
		t.Fatal("the live record was purged")
	}
}

func TestResumptionTagsAreChecked(t *testing.T) {
	s := newTestStore(t)
	for _, tag := range []string{"", "zz", strings.Repeat("a", 31), strings.Repeat("g", 32), strings.Repeat("ab", 17)} {
		if err := s.SaveResumptions([]Resumption{{Tag: tag, ExpiresAt: time.Now().Add(time.Hour)}}); !errors.Is(err, ErrBadTag) {
			t.Errorf("save %q: %v, want ErrBadTag", tag, err)
		}
		if _, err := s.Resumption(tag); !errors.Is(err, ErrBadTag) {
			t.Errorf("read %q: %v, want ErrBadTag", tag, err)
		}
	}
	if count(t, s, store.Resumptions) != 0 {
		t.Fatal("a record with a bad tag was stored")
	}
}
