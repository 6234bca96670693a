package atomicfile

import (
	"os"
	"path/filepath"
	"testing"
)

func TestWriteFileReplaces(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "m.json")
	for _, v := range []string{"one", "two"} {
		if err := WriteFile(path, []byte(v)); err != nil {
			t.Fatal(err)
		}
		if got, _ := os.ReadFile(path); string(got) != v {
			t.Fatalf("read %q, want %q", got, v)
		}
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Fatalf("temp files left: %v", ents)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", fi.Mode())
	}
	if err := WriteFile(filepath.Join(dir, "missing", "x"), nil); err == nil {
		t.Fatal("wrote into a missing directory")
	}
}
