package store_test

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wifihk/wifihk/internal/datadir"
	"github.com/wifihk/wifihk/internal/store"
)

// A database cut short (a full disk, a bad copy) is refused with an error
// that says so; bbolt alone maps the file and dies of SIGBUS on the first
// page past its end. The open runs in a child process so that a crash is a
// failure of this test rather than of the whole package.
func TestTruncatedDatabaseIsRefused(t *testing.T) {
	if path := os.Getenv("WIFIHK_OPEN_DAMAGED"); path != "" {
		db, err := store.OpenFile(path, store.Options{})
		if err == nil {
			db.View(func(tx *store.Tx) error { // touch every page, as serving would
				var v map[string]any
				for i := range 4000 {
					tx.Get(store.NAS, fmt.Sprint(i), &v)
				}
				return nil
			})
			db.Close()
			fmt.Println("opened")
			os.Exit(0)
		}
		fmt.Println("refused:", err, errors.Is(err, store.ErrDamaged))
		os.Exit(0)
	}
	path := filepath.Join(t.TempDir(), "big.db")
	db, err := store.OpenFile(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	pad := strings.Repeat("x", 1000)
	err = db.Update(func(tx *store.Tx) error {
		for i := range 4000 {
			if err := tx.Put(store.NAS, fmt.Sprint(i), rec{pad}); err != nil {
				return err
			}
		}
		return nil
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(path)
	for _, tc := range []struct {
		name string
		size int64
		want string
	}{
		{"half", fi.Size() / 2, "truncated"},
		{"first page", 4096, "truncated"},
		{"a few bytes", 100, "truncated"},
		{"no meta page", 60, "no valid bbolt meta page"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cut := filepath.Join(t.TempDir(), "cut.db")
			raw, _ := os.ReadFile(path)
			if err := os.WriteFile(cut, raw[:tc.size], 0o600); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(os.Args[0], "-test.run=^TestTruncatedDatabaseIsRefused$")
			cmd.Env = append(os.Environ(), "WIFIHK_OPEN_DAMAGED="+cut)
			out, err := cmd.CombinedOutput()
			if err != nil || !strings.HasPrefix(string(out), "refused:") || !strings.Contains(string(out), tc.want) || !strings.Contains(string(out), "true") {
				t.Fatalf("opening a database cut to %d of %d bytes: %v\n%.2000s", tc.size, fi.Size(), err, out)
			}
			t.Logf("%.300s", out)
		})
	}
}

// Open never makes a new database beside a journal: the old one was lost,
// and an empty one would stand for it while the journal's tail is replayed.
func TestOpenMakesNoDatabaseBesideAJournal(t *testing.T) {
	d := datadir.Dir(t.TempDir())
	os.WriteFile(d.MasterKey(), make([]byte, 32), 0o600)
	os.WriteFile(d.AccountingJournal(), []byte("tail"), 0o600)
	if db, err := store.Open(string(d), store.Options{}); !errors.Is(err, datadir.ErrDamaged) {
		if err == nil {
			db.Close()
		}
		t.Fatalf("Open: %v", err)
	}
	if _, err := os.Stat(d.DB()); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a database was made: %v", err)
	}
}

// A corrupt page (a flipped bit in its header) makes bbolt panic with an
// assertion; the store turns that into an error wrapping ErrDamaged that
// says what to do, at open or at the read that meets the page, instead of
// a stack trace (issue 12, the fault suite's flipped database bytes).
func TestCorruptPageIsAnError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pages.db")
	db, err := store.OpenFile(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	pad := strings.Repeat("x", 500)
	err = db.Update(func(tx *store.Tx) error {
		for i := range 2000 {
			if err := tx.Put(store.NAS, fmt.Sprint(i), rec{pad}); err != nil {
				return err
			}
		}
		return nil
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ps := os.Getpagesize()
	for off := 4 * ps; off+8 <= len(data); off += ps {
		data[off+3] ^= 0x5a // the page's own id, in its header
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	db, err = store.OpenFile(path, store.Options{})
	if err == nil {
		err = db.View(func(tx *store.Tx) error {
			_, err := store.List(tx, store.NAS, store.Query[rec]{})
			return err
		})
		db.Close()
	}
	if !errors.Is(err, store.ErrDamaged) || !strings.Contains(err.Error(), "restore the last backup") {
		t.Fatalf("got %v, want ErrDamaged saying what to do", err)
	}
}
