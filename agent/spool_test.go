package agent

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func TestSpoolIsOrderedBoundedAndKeptAcrossRestarts(t *testing.T) {
	dir := t.TempDir()
	s, err := OpenSpool(dir, 64<<10, 3)
	if err != nil {
		t.Fatal(err)
	}
	var seqs []uint64
	for i := 0; i < 5; i++ {
		seq, err := s.NextSeq()
		if err != nil {
			t.Fatal(err)
		}
		seqs = append(seqs, seq)
		if _, err := s.Put(seq, []byte{byte(i)}); err != nil {
			t.Fatal(err)
		}
	}
	if s.Len() != 3 {
		t.Fatalf("%d spooled, want the bound of 3", s.Len())
	}
	os.WriteFile(filepath.Join(dir, ".tmp-123"), []byte("half a report"), 0o600) // a crash mid-write

	s2, err := OpenSpool(dir, 64<<10, 3) // a restart
	if err != nil {
		t.Fatal(err)
	}
	seq, body, err := s2.Oldest()
	if err != nil || seq != seqs[2] || !bytes.Equal(body, []byte{2}) {
		t.Fatalf("oldest %d %v %v, want seq %d (the two oldest were dropped)", seq, body, err, seqs[2])
	}
	if _, err := os.Stat(filepath.Join(dir, ".tmp-123")); !os.IsNotExist(err) {
		t.Fatal("a partial temp file survived the restart")
	}
	next, _ := s2.NextSeq()
	if next <= seqs[4] {
		t.Fatalf("after restart seq %d, want above %d", next, seqs[4])
	}
	// Bytes bound.
	s3, _ := OpenSpool(t.TempDir(), 64<<10, 100)
	for i := uint64(1); i <= 3; i++ {
		s3.Put(i, make([]byte, 30<<10))
	}
	if s3.Len() != 2 || s3.Bytes() > 64<<10 {
		t.Fatalf("%d reports, %d bytes; want 2 within 64 KiB", s3.Len(), s3.Bytes())
	}
}
