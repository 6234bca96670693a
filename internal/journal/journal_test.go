package journal

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// appendAll writes records seq 1..n with body "body-<seq>" to a journal at
// path and closes it.
func appendAll(t *testing.T, path string, n int) {
	t.Helper()
	j, recs, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 0 {
		t.Fatalf("a new journal holds %d records", len(recs))
	}
	for seq := 1; seq <= n; seq++ {
		if err := j.Append(uint64(seq), fmt.Appendf(nil, "body-%d", seq)); err != nil {
			t.Fatal(err)
		}
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestReopenReturnsTheRecordsInOrder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j")
	appendAll(t, path, 3)
	j, recs, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if len(recs) != 3 || j.TornTail() != nil {
		t.Fatalf("%d records, tail %v", len(recs), j.TornTail())
	}
	for i, r := range recs {
		if r.Seq != uint64(i+1) || string(r.Body) != fmt.Sprintf("body-%d", i+1) {
			t.Fatalf("record %d: %d %q", i, r.Seq, r.Body)
		}
	}
	fi, _ := os.Stat(path)
	if j.Size() != fi.Size() {
		t.Fatalf("Size %d, file %d", j.Size(), fi.Size())
	}
	if err := j.Reset(); err != nil || j.Size() != 0 {
		t.Fatalf("reset: %v, size %d", err, j.Size())
	}
	if fi, _ := os.Stat(path); fi.Size() != 0 {
		t.Fatalf("file after Reset: %d bytes", fi.Size())
	}
}

// TestTornTail keeps the intact records before a torn or corrupt one, says
// why it stopped, and appends after the last intact record.
func TestTornTail(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j")
	appendAll(t, path, 3)
	data, _ := os.ReadFile(path)
	for cut := len(data) - 1; cut > len(data)*2/3; cut-- { // inside the third record
		recs, n, err := Decode(data[:cut])
		if !errors.Is(err, ErrCorrupt) || len(recs) != 2 || n != len(data)*2/3 {
			t.Fatalf("cut at %d: %d records in %d bytes, err %v", cut, len(recs), n, err)
		}
	}
	flipped := bytes.Clone(data)
	flipped[len(flipped)-3] ^= 1
	if recs, _, err := Decode(flipped); err == nil || !strings.Contains(err.Error(), "checksum") || len(recs) != 2 {
		t.Fatalf("flipped bit: %d records, %v", len(recs), err)
	}
	huge := bytes.Clone(data)
	huge[len(data)*2/3] = 0xff // the third record's length
	if recs, _, err := Decode(huge); err == nil || !strings.Contains(err.Error(), "length") || len(recs) != 2 {
		t.Fatalf("bad length: %d records, %v", len(recs), err)
	}

	// Open cuts the torn tail off, so a new record is readable after it.
	if err := os.WriteFile(path, data[:len(data)-4], 0o600); err != nil {
		t.Fatal(err)
	}
	j, recs, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 || !errors.Is(j.TornTail(), ErrCorrupt) {
		t.Fatalf("torn file: %d records, tail %v", len(recs), j.TornTail())
	}
	if err := j.Append(9, []byte("after")); err != nil {
		t.Fatal(err)
	}
	j.Close()
	j, recs, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if len(recs) != 3 || recs[2].Seq != 9 || string(recs[2].Body) != "after" || j.TornTail() != nil {
		t.Fatalf("after an append past the torn tail: %+v, tail %v", recs, j.TornTail())
	}
}

// TestFormat pins the layout accounting has written since before
// this package existed: length, CRC-32C, sequence number, body.
func TestFormat(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j")
	j, _, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Append(0x0102030405060708, []byte{0xaa, 0xbb}); err != nil {
		t.Fatal(err)
	}
	j.Close()
	got, _ := os.ReadFile(path)
	want := []byte{0, 0, 0, 10, 0x42, 0xc8, 0x9b, 0xc1, 1, 2, 3, 4, 5, 6, 7, 8, 0xaa, 0xbb}
	if !bytes.Equal(got, want) {
		t.Fatalf("record bytes % x, want % x", got, want)
	}
}

// FuzzDecode feeds junk to the reader: an error or records, never a
// panic, and what it returns re-encodes to the bytes it read.
func FuzzDecode(f *testing.F) {
	path := filepath.Join(f.TempDir(), "seed")
	j, _, _ := Open(path)
	j.Append(7, []byte("seven"))
	j.Append(8, nil)
	j.Close()
	seed, _ := os.ReadFile(path)
	f.Add(seed)
	f.Add([]byte{0, 0, 0, 1, 0, 0, 0, 0, 9})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		recs, n, err := Decode(b)
		if (err == nil) != (n == len(b)) || n > len(b) {
			t.Fatalf("read %d of %d bytes, err %v", n, len(b), err)
		}
		size := 0
		for _, r := range recs {
			size += header + 8 + len(r.Body)
		}
		if size != n {
			t.Fatalf("records take %d bytes, Decode says %d", size, n)
		}
	})
}
