package store

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// pagesFixture writes a bbolt file with what the walk must follow: nested
// buckets, inline ones, enough keys for branch pages, values that take
// overflow pages. It returns the file's bytes.
func pagesFixture(t *testing.T, path string) []byte {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{NoFreelistSync: true, FreelistType: bolt.FreelistMapType})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for b := range 4 {
			bk, err := tx.CreateBucket(fmt.Appendf(nil, "bucket%d", b))
			if err != nil {
				return err
			}
			for i := range 1500 {
				if err := bk.Put(fmt.Appendf(nil, "key%06d", i), bytes.Repeat([]byte{'v'}, 40+i%200)); err != nil {
					return err
				}
			}
			if err := bk.Put([]byte("big"), bytes.Repeat([]byte{'B'}, 20000)); err != nil {
				return err
			}
			inner, err := bk.CreateBucket([]byte("inner"))
			if err != nil {
				return err
			}
			for i := range 300 {
				if err := inner.Put(fmt.Appendf(nil, "k%04d", i), []byte("value")); err != nil {
					return err
				}
			}
			tiny, err := bk.CreateBucket([]byte("tiny")) // stays inline
			if err != nil {
				return err
			}
			if err := tiny.Put([]byte("a"), []byte("b")); err != nil {
				return err
			}
		}
		return nil
	})
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestCheckFileAcceptsSoundFiles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sound.db")
	pagesFixture(t, path)
	if err := checkFile(path); err != nil {
		t.Fatalf("a sound file refused: %v", err)
	}
	if err := checkFile(filepath.Join(t.TempDir(), "none.db")); err != nil {
		t.Fatalf("a missing file refused: %v", err)
	}
}

// openInChild opens path with bbolt as the store does, in a child
// process, and reports whether bbolt crashed it.
func openInChild(t *testing.T, path string) (crashed bool, out string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestChildOpensBolt$")
	cmd.Env = append(os.Environ(), "WIFIHK_CHILD_OPEN_BOLT="+path)
	b, err := cmd.CombinedOutput()
	out = string(b)
	return err != nil && (strings.Contains(out, "panic:") || strings.Contains(out, "fatal error:") ||
		strings.Contains(out, "unexpected fault")), out
}

// TestChildOpensBolt is the child of openInChild.
func TestChildOpensBolt(t *testing.T) {
	path := os.Getenv("WIFIHK_CHILD_OPEN_BOLT")
	if path == "" {
		t.Skip("the child process of TestCheckFileFindsWhatCrashesBbolt")
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{NoFreelistSync: true, FreelistType: bolt.FreelistMapType})
	if err == nil {
		db.Close()
	}
}

// Bytes flipped at random in the pages: whatever would crash bbolt as it
// opens the file (its free-page walk panics in a goroutine of its own) is
// refused by checkFile first.
func TestCheckFileFindsWhatCrashesBbolt(t *testing.T) {
	dir := t.TempDir()
	sound := pagesFixture(t, filepath.Join(dir, "sound.db"))
	rng := rand.New(rand.NewPCG(7, 11))
	rounds := 80
	if testing.Short() || raceEnabled { // each round may start a child process
		rounds = 16
	}
	refused, crashes := 0, 0
	for r := range rounds {
		data := bytes.Clone(sound)
		ps := 4096
		for range 8 {
			off := 2*ps + rng.IntN(len(data)-2*ps) // leave the meta pages
			if r%2 == 0 {
				off = 2*ps + rng.IntN((len(data)-2*ps)/ps)*ps + rng.IntN(64) // headers and elements
			}
			data[off] ^= byte(1 + rng.IntN(255))
		}
		path := filepath.Join(dir, fmt.Sprintf("flip%d.db", r))
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		err := checkFile(path)
		if err != nil {
			if !errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), "restore the last backup") {
				t.Fatalf("round %d: %v, want ErrDamaged saying what to do", r, err)
			}
			refused++
			continue
		}
		if crashed, out := openInChild(t, path); crashed {
			crashes++
			t.Errorf("round %d: checkFile passed a file that crashes bbolt:\n%.600s", r, out)
		}
	}
	t.Logf("%d of %d damaged files refused; %d passed that crash bbolt", refused, rounds, crashes)
	if refused == 0 {
		t.Fatal("no damaged file refused: the flips missed the pages")
	}
}

// FuzzCheckFile: no file, however damaged, makes checkFile panic, and
// what it passes bbolt can open (the child checks a sample by hand:
// go test -fuzz=FuzzCheckFile ./internal/store).
func FuzzCheckFile(f *testing.F) {
	dir := f.TempDir()
	small := filepath.Join(dir, "small.db")
	db, err := bolt.Open(small, 0o600, &bolt.Options{NoFreelistSync: true})
	if err != nil {
		f.Fatal(err)
	}
	db.Update(func(tx *bolt.Tx) error {
		b, _ := tx.CreateBucket([]byte("b"))
		for i := range 200 {
			b.Put(fmt.Appendf(nil, "k%03d", i), []byte("some value"))
		}
		return nil
	})
	db.Close()
	seed, err := os.ReadFile(small)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add(seed[:8192])
	f.Add([]byte("not a database"))
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "f.db")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := checkFile(path); err != nil && !errors.Is(err, ErrDamaged) {
			t.Fatalf("not ErrDamaged: %v", err)
		}
	})
}
