package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"

	"io"
	"os"
	"syscall"
)

// checkFile refuses a bbolt file that bbolt would die on rather than
// refuse: one shorter than its own meta page says (truncated by a full
// disk, a bad copy or a crash of the file system), which bbolt maps into
// memory and would hit SIGBUS past its end; or one whose pages are damaged
// (below). A file of 0 bytes or none is new, left to bbolt to initialise.
//
// bbolt rebuilds its free-page list when it opens a file written with
// NoFreelistSync, by walking every page reachable from the root. A page it
// finds damaged there (out of range, referenced twice, of the wrong type,
// keys out of order) makes it panic in a goroutine of its own, where no
// recover reaches: start-up would die with a stack trace. checkPages walks
// the same pages first, reading the file itself with every offset checked,
// and returns the first fault as an error wrapping ErrDamaged.
//
// The layout read here is bbolt's on-disk format (version 2): pages of
// meta.pageSize bytes, each with a 16-byte header (id uint64, flags
// uint16, count uint16, overflow uint32) in the machine's byte order.

const (
	pageHeaderSize = 16
	elemSize       = 16 // a branch or leaf element
	boltMagic      = 0xED0CDAED
	boltVersion    = 2

	branchPageFlag = 0x01
	leafPageFlag   = 0x02
	bucketLeafFlag = 0x01
)

var ne = binary.NativeEndian

// boltMeta is what the walk needs of a meta page.
type boltMeta struct {
	pageSize uint32
	root     uint64 // the root bucket's page
	hwm      uint64 // pages in use: ids are below it
	txid     uint64
}

// readMeta parses the meta at the start of page buf; ok is false unless
// its magic, version and checksum hold.
func readMeta(buf []byte) (m boltMeta, ok bool) {
	if len(buf) < pageHeaderSize+64 {
		return m, false
	}
	b := buf[pageHeaderSize:]
	h := fnv.New64a()
	h.Write(b[:56])
	if ne.Uint32(b[0:]) != boltMagic || ne.Uint32(b[4:]) != boltVersion || ne.Uint64(b[56:]) != h.Sum64() {
		return m, false
	}
	return boltMeta{pageSize: ne.Uint32(b[8:]), root: ne.Uint64(b[16:]), hwm: ne.Uint64(b[40:]), txid: ne.Uint64(b[48:])}, true
}

// currentMeta returns the meta bbolt would use: the valid one with the
// higher txid, looking for the second at the usual page sizes when the
// first is damaged. ok is false when there is none.
func currentMeta(f io.ReaderAt) (boltMeta, bool) {
	buf := make([]byte, 4096)
	n, _ := f.ReadAt(buf, 0)
	m0, ok0 := readMeta(buf[:n])
	var m1 boltMeta
	ok1 := false
	sizes := []uint32{1024, 2048, 4096, 8192, 16384, 32768, 65536}
	if ok0 {
		sizes = []uint32{m0.pageSize}
	}
	for _, size := range sizes {
		if n, _ := f.ReadAt(buf, int64(size)); n == len(buf) {
			if m, ok := readMeta(buf); ok && m.pageSize == size {
				m1, ok1 = m, true
				break
			}
		}
	}
	switch {
	case ok0 && ok1 && m1.txid > m0.txid, !ok0 && ok1:
		return m1, true
	case ok0:
		return m0, true
	}
	return boltMeta{}, false
}

// pageWalk checks the pages of one file, mapped into memory.
type pageWalk struct {
	data []byte
	meta boltMeta
	seen []uint64 // a bit per page id
}

func checkFile(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("store: open %s: %w", path, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("store: open %s: %w", path, err)
	}
	if fi.Size() == 0 {
		return nil
	}
	m, ok := currentMeta(f)
	if !ok || m.pageSize < 1024 || m.pageSize > 64<<10 {
		return fmt.Errorf("%w: %s (%d bytes) has no valid bbolt meta page: it is damaged or not a wifihk database; restore it from a backup",
			ErrDamaged, path, fi.Size())
	}
	if need := m.hwm * uint64(m.pageSize); uint64(fi.Size()) < need {
		return fmt.Errorf("%w: %s is %d bytes but its meta page says %d (%d pages of %d): the file is truncated; restore it from a backup",
			ErrDamaged, path, fi.Size(), need, m.hwm, m.pageSize)
	}
	data, err := syscall.Mmap(int(f.Fd()), 0, int(fi.Size()), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return fmt.Errorf("store: open %s: map: %w", path, err)
	}
	defer syscall.Munmap(data)
	w := &pageWalk{data: data, meta: m, seen: make([]uint64, m.hwm/64+1)}
	if err := w.bucket(m.root); err != nil {
		return fmt.Errorf("%w: %s: %v; the file is left as it is: restore the last backup (wifihk backup), "+
			"keeping this file aside, and see `wifihk store check` (README, \"Damaged or missing files\")", ErrDamaged, path, err)
	}
	return nil
}

// page returns page id, checked as bbolt's walk checks it.
func (w *pageWalk) page(id uint64) ([]byte, error) {
	if id < 2 || id >= w.meta.hwm {
		return nil, fmt.Errorf("page %d: out of range [2, %d)", id, w.meta.hwm)
	}
	ps := uint64(w.meta.pageSize)
	head := w.data[id*ps:] // the file holds hwm pages (checkFile)
	if got := ne.Uint64(head); got != id {
		return nil, fmt.Errorf("page %d: identifies itself as page %d", id, got)
	}
	overflow := uint64(ne.Uint32(head[12:]))
	if id+overflow >= w.meta.hwm {
		return nil, fmt.Errorf("page %d: %d overflow pages run past the end", id, overflow)
	}
	for i := uint64(0); i <= overflow; i++ {
		word, bit := (id+i)/64, uint64(1)<<((id+i)%64)
		if w.seen[word]&bit != 0 {
			return nil, fmt.Errorf("page %d: referenced twice", id+i)
		}
		w.seen[word] |= bit
	}
	buf := head[:(overflow+1)*ps]
	flags := ne.Uint16(buf[8:])
	if flags != branchPageFlag && flags != leafPageFlag {
		return nil, fmt.Errorf("page %d: type %#x is neither branch nor leaf", id, flags)
	}
	if count := int(ne.Uint16(buf[10:])); pageHeaderSize+count*elemSize > len(buf) {
		return nil, fmt.Errorf("page %d: %d elements do not fit", id, count)
	}
	return buf, nil
}

// elem returns element i of page buf: its key, value (leaves), child page
// (branches) and flags, with its offsets checked.
func elem(buf []byte, i int) (key, val []byte, child uint64, flags uint32, err error) {
	at := pageHeaderSize + i*elemSize
	e := buf[at : at+elemSize]
	start := uint64(at) + uint64(ne.Uint32(e[4:]))
	ksize := uint64(ne.Uint32(e[8:]))
	var vsize uint64
	if ne.Uint16(buf[8:]) == leafPageFlag {
		flags, vsize = ne.Uint32(e), uint64(ne.Uint32(e[12:]))
	} else {
		start, ksize = uint64(at)+uint64(ne.Uint32(e)), uint64(ne.Uint32(e[4:]))
		child = ne.Uint64(e[8:])
	}
	if start+ksize+vsize > uint64(len(buf)) {
		return nil, nil, 0, 0, fmt.Errorf("element %d runs past its page", i)
	}
	return buf[start : start+ksize], buf[start+ksize : start+ksize+vsize], child, flags, nil
}

// bucket checks the tree of the bucket whose root page is root, and the
// buckets in it. An inline bucket (root 0) has no pages of its own.
func (w *pageWalk) bucket(root uint64) error {
	if root == 0 {
		return nil
	}
	var children []uint64
	if _, err := w.tree(root, nil, nil, &children); err != nil {
		return err
	}
	for _, c := range children {
		if err := w.bucket(c); err != nil {
			return err
		}
	}
	return nil
}

// tree checks the pages under id, keys in order as bbolt requires: each
// at least min, below max (nil: unbounded), increasing. It returns the
// largest key found and adds the root pages of sub-buckets to children.
func (w *pageWalk) tree(id uint64, min, max []byte, children *[]uint64) ([]byte, error) {
	buf, err := w.page(id)
	if err != nil {
		return nil, err
	}
	count := int(ne.Uint16(buf[10:]))
	leaf := ne.Uint16(buf[8:]) == leafPageFlag
	running, largest := min, []byte(nil)
	for i := range count {
		key, val, child, flags, err := elem(buf, i)
		if err != nil {
			return nil, fmt.Errorf("page %d: %v", id, err)
		}
		if err := keyInOrder(i, key, running, max); err != nil {
			return nil, fmt.Errorf("page %d: %v", id, err)
		}
		if leaf {
			if flags&bucketLeafFlag != 0 {
				if err := bucketValue(val, children); err != nil {
					return nil, fmt.Errorf("page %d: bucket %q: %v", id, key, err)
				}
			}
			running, largest = key, key
			continue
		}
		next := max
		if i < count-1 {
			if next, _, _, _, err = elem(buf, i+1); err != nil {
				return nil, fmt.Errorf("page %d: %v", id, err)
			}
		}
		if largest, err = w.tree(child, key, next, children); err != nil {
			return nil, err
		}
		running = largest
	}
	return largest, nil
}

// bucketValue checks a sub-bucket's header (its root page, its sequence)
// and, for an inline bucket (root 0), the leaf page that follows it in
// the value; bbolt's own walk skips those, but a read would trip on them.
// A bucket with pages of its own is added to children.
func bucketValue(val []byte, children *[]uint64) error {
	if len(val) < 16 {
		return errors.New("short header")
	}
	if root := ne.Uint64(val); root != 0 {
		*children = append(*children, root)
		return nil
	}
	buf := val[16:]
	if len(buf) < pageHeaderSize || ne.Uint16(buf[8:]) != leafPageFlag {
		return errors.New("inline page is not a leaf")
	}
	count := int(ne.Uint16(buf[10:]))
	if pageHeaderSize+count*elemSize > len(buf) {
		return fmt.Errorf("inline page: %d elements do not fit", count)
	}
	var prev []byte
	for i := range count {
		key, _, _, flags, err := elem(buf, i)
		if err != nil {
			return fmt.Errorf("inline page: %v", err)
		}
		if flags&bucketLeafFlag != 0 {
			return errors.New("inline page holds a bucket")
		}
		if err := keyInOrder(i, key, prev, nil); err != nil {
			return fmt.Errorf("inline page: %v", err)
		}
		prev = key
	}
	return nil
}

// keyInOrder is bbolt's rule for element i's key after prev (the first at
// least prev; the others above it) and below max.
func keyInOrder(i int, key, prev, max []byte) error {
	switch c := bytes.Compare(prev, key); {
	case i == 0 && prev != nil && c > 0:
		return fmt.Errorf("key %d below its ancestor's", i)
	case i > 0 && c >= 0:
		return fmt.Errorf("key %d not above the one before", i)
	case max != nil && bytes.Compare(key, max) >= 0:
		return fmt.Errorf("key %d not below the next key of its ancestor", i)
	}
	return nil
}
