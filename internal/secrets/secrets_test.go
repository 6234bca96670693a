package secrets

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/wifihk/wifihk/internal/datadir"
)

func TestSealOpenAndKeyPersistence(t *testing.T) {
	dir := t.TempDir()
	s1, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	sealed := s1.Seal("testing123")
	if sealed == "testing123" || sealed == s1.Seal("testing123") {
		t.Fatal("seal must hide the value and use a fresh nonce")
	}
	s2, err := Load(dir) // same key file
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s2.Open(sealed); err != nil || got != "testing123" {
		t.Fatalf("open: %q %v", got, err)
	}
	fi, _ := os.Stat(datadir.Dir(dir).MasterKey())
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v, want 0600", fi.Mode().Perm())
	}
	other, _ := Load(t.TempDir())
	if _, err := other.Open(sealed); !errors.Is(err, ErrBadSealed) {
		t.Fatalf("other key: %v, want ErrBadSealed", err)
	}
	if _, err := s1.Open("%%%"); !errors.Is(err, ErrBadSealed) {
		t.Fatalf("junk: %v", err)
	}
}

func TestKeyIsPerLabelAndPerMasterKey(t *testing.T) {
	a, _ := New(bytes.Repeat([]byte{1}, 32))
	b, _ := New(bytes.Repeat([]byte{2}, 32))
	if len(a.Key("x")) != 32 || !bytes.Equal(a.Key("x"), a.Key("x")) {
		t.Fatal("Key is not a stable 32-byte key")
	}
	if bytes.Equal(a.Key("x"), a.Key("y")) || bytes.Equal(a.Key("x"), b.Key("x")) {
		t.Fatal("labels or master keys share a derived key")
	}
}

// Load makes a key only in a fresh data dir: beside a database or a
// journal, a new key would stand where the operator expects theirs.
func TestLoadMakesNoKeyInAnInitialisedDir(t *testing.T) {
	d := datadir.Dir(t.TempDir())
	if err := os.WriteFile(d.DB(), []byte("a database"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(string(d)); !errors.Is(err, datadir.ErrDamaged) || !strings.Contains(err.Error(), "master.key is missing") {
		t.Fatalf("Load: %v", err)
	}
	if _, err := os.Stat(d.MasterKey()); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a key was made: %v", err)
	}
}
