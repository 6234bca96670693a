package journal

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A journal's identity is made once and read back the same; junk in its
// file is refused with a message naming the file.
func TestIdentity(t *testing.T) {
	path := filepath.Join(t.TempDir(), "accounting.journal")
	id, err := Identity(path)
	if err != nil || len(id) != 32 {
		t.Fatalf("first: %q, %v", id, err)
	}
	if again, err := Identity(path); err != nil || again != id {
		t.Fatalf("again: %q, %v; want %q", again, err, id)
	}
	if other, _ := Identity(filepath.Join(t.TempDir(), "accounting.journal")); other == id {
		t.Fatal("two journals with one identity")
	}
	if err := os.WriteFile(path+".id", []byte("not-an-id\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Identity(path); err == nil || !strings.Contains(err.Error(), path+".id") {
		t.Fatalf("junk identity: %v", err)
	}
}
