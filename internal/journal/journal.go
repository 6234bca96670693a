// Package journal makes writes durable cheaply: a group of them becomes
// one record appended to a file with one fdatasync, instead of a bbolt
// commit (page writes, fdatasync, meta page, fdatasync) in a request's
// path. The records are applied to the store afterwards, in larger
// batches. Accounting (accounting) and agent reports (telemetry) use it.
//
// Pipeline is the whole write-ahead path, generic over the request and the
// record: its users supply only what a group writes (Commit), how a record
// is encoded and decoded, and how records are applied to the store. It
// guarantees that an acknowledged request's record is on disk, in the
// journal, when its caller hears back; that it reaches the store, by the
// applier or, after a crash, by replay when the pipeline is opened again;
// and that Close loses none. Apply must therefore be idempotent: a record
// may be applied twice (applied, then replayed after a crash before the
// journal was emptied). Each Apply stores the sequence number of the last
// record it wrote, so replay starts after it. Progress tracks how far the
// applying has got, for readers that must wait for it.
//
// Journal is the file itself: append-only, checksummed records. What a
// record's body holds is the user's business; it should be what the apply
// writes, so that applying a record twice changes nothing.
//
// Record layout: 4-byte big-endian length of what follows the checksum,
// 4-byte CRC-32C (Castagnoli) of it, then the 8-byte big-endian sequence
// number and the body. A record cut short by a crash fails its length or
// checksum; it was never acknowledged, and reading stops there. Only the
// last record can be cut short, since each is on disk before the next is
// written: a bad record with an intact one after it is damage (a failing
// disk, a stray write), and Open refuses the file (ErrDamaged) rather than
// drop the acknowledged records after it.
package journal

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"strings"
)

// ErrCorrupt is wrapped by the error that says why Decode stopped before
// the end of its data: a record cut short (a crash while appending) or
// one whose checksum does not match.
var ErrCorrupt = errors.New("journal: torn or corrupt record")

// ErrDamaged is wrapped by Open's error for a file with a bad record that
// is not the last: an intact record follows it, so it was not cut short
// by a crash. Open leaves such a file as it is.
var ErrDamaged = errors.New("journal: damaged")

// MaxBody bounds a record's body; a larger length field is corruption.
const MaxBody = 64<<20 - 8

// header is the length and checksum; the sequence number follows.
const header = 8

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// Record is one record read back.
type Record struct {
	Seq  uint64
	Body []byte
}

// Journal is the file. It is not safe for concurrent use: one goroutine
// (a committer) appends.
type Journal struct {
	f    *os.File
	size int64
	buf  []byte
	tail error
}

// Open opens the journal at path, creating it if needed, and returns the
// intact records it holds, in order. A torn or corrupt tail ends them: it
// is cut off, so appends follow the last intact record, and TornTail says
// what it was. A bad record followed by an intact one is not a tail: Open
// returns an error wrapping ErrDamaged that names the file, the offset and
// what to do, and leaves the file untouched.
func Open(path string) (*Journal, []Record, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("journal: %w", err)
	}
	data, err := io.ReadAll(f)
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("journal: %s: %w", path, err)
	}
	recs, n, tail := Decode(data)
	if err := refuse(path, data, recs, n, tail); err != nil {
		f.Close()
		return nil, nil, err
	}
	if tail != nil {
		if err := f.Truncate(int64(n)); err != nil {
			f.Close()
			return nil, nil, fmt.Errorf("journal: %s: %w", path, err)
		}
	}
	return &Journal{f: f, size: int64(n), tail: tail}, recs, nil
}

// refuse returns the error wrapping ErrDamaged for a file whose bad record
// (Decode stopped at n, for reason tail) is followed by an intact one, or nil.
func refuse(path string, data []byte, recs []Record, n int, tail error) error {
	next, ok := nextIntact(data, n, lastSeq(recs, 0))
	if !ok {
		return nil
	}
	return fmt.Errorf("%w: %s: %v, yet an intact record follows at offset %d, so the damage is not a crash's torn tail; "+
		"the file is left as it is. Copy the data dir somewhere safe, then run `wifihk journal salvage -data DIR` "+
		"to keep every intact record and move the damaged file aside (README, \"Damaged or missing files\")",
		ErrDamaged, path, strings.TrimPrefix(tail.Error(), ErrCorrupt.Error()+": "), next)
}

// Check reads the journal at path and leaves it as it is: it returns the
// error Open would refuse it with (wrapping ErrDamaged), or nil for a
// sound file, one with only a torn tail, or none.
func Check(path string) error {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	recs, n, tail := Decode(data)
	return refuse(path, data, recs, n, tail)
}

// TornTail says why Open found fewer records than the file held bytes for
// (a record cut short by a crash, say), or is nil.
func (j *Journal) TornTail() error { return j.tail }

// Decode returns the intact records at the start of data, the length they
// take, and, if it stopped before the end, an error wrapping ErrCorrupt
// that says why. The bodies point into data.
func Decode(data []byte) (recs []Record, n int, err error) {
	for n < len(data) {
		rest := data[n:]
		if len(rest) < header+8 {
			return recs, n, fmt.Errorf("%w: %d bytes at offset %d, too few for a record header", ErrCorrupt, len(rest), n)
		}
		l := binary.BigEndian.Uint32(rest[:4])
		if l < 8 || l > MaxBody+8 || int(l) > len(rest)-header {
			return recs, n, fmt.Errorf("%w: record length %d at offset %d runs past the file's %d bytes", ErrCorrupt, l, n, len(data))
		}
		payload := rest[header : header+int(l)]
		if crc32.Checksum(payload, crcTable) != binary.BigEndian.Uint32(rest[4:8]) {
			return recs, n, fmt.Errorf("%w: checksum mismatch in the record at offset %d", ErrCorrupt, n)
		}
		recs = append(recs, Record{Seq: binary.BigEndian.Uint64(payload[:8]), Body: payload[8:]})
		n += header + int(l)
	}
	return recs, n, nil
}

// nextIntact reports the offset of the first intact record that starts
// after offset bad, where Decode stopped, and is numbered after prev (the
// last intact record's sequence number before it, 0 if none): there is
// one only if the bad record is not the file's last, that is, if the
// file is damaged rather than torn. A false match needs a CRC-32C to
// agree by chance; the length and number checks spare most positions the
// checksum.
func nextIntact(data []byte, bad int, prev uint64) (int, bool) {
	for off := bad + 1; off+header+8 <= len(data); off++ {
		rest := data[off:]
		l := binary.BigEndian.Uint32(rest[:4])
		if l < 8 || l > MaxBody+8 || int(l) > len(rest)-header || binary.BigEndian.Uint64(rest[header:]) <= prev {
			continue
		}
		if crc32.Checksum(rest[header:header+int(l)], crcTable) == binary.BigEndian.Uint32(rest[4:8]) {
			return off, true
		}
	}
	return 0, false
}

// lastSeq is the sequence number of the last of recs, or prev if none.
func lastSeq(recs []Record, prev uint64) uint64 {
	if len(recs) == 0 {
		return prev
	}
	return recs[len(recs)-1].Seq
}

// Append writes one record and waits until it is on the disk (fdatasync).
// After an error the record may or may not be there; the next Append
// writes over it.
func (j *Journal) Append(seq uint64, body []byte) error {
	if len(body) > MaxBody {
		return fmt.Errorf("journal: a %d-byte record is over the %d-byte limit", len(body), MaxBody)
	}
	b := append(j.buf[:0], 0, 0, 0, 0, 0, 0, 0, 0) // header, filled in below
	b = binary.BigEndian.AppendUint64(b, seq)
	b = append(b, body...)
	binary.BigEndian.PutUint32(b[0:4], uint32(len(b)-header))
	binary.BigEndian.PutUint32(b[4:8], crc32.Checksum(b[header:], crcTable))
	j.buf = b
	if _, err := j.f.WriteAt(b, j.size); err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	if err := fdatasync(j.f); err != nil {
		return fmt.Errorf("journal: sync: %w", err)
	}
	j.size += int64(len(b))
	return nil
}

// Size is the file's length: what Open kept plus what was appended since
// the last Reset.
func (j *Journal) Size() int64 { return j.size }

// Reset empties the journal; call it once every record in it is applied.
func (j *Journal) Reset() error {
	if err := j.f.Truncate(0); err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	j.size = 0
	if err := j.f.Sync(); err != nil {
		return fmt.Errorf("journal: sync: %w", err)
	}
	return nil
}

// Close closes the file.
func (j *Journal) Close() error { return j.f.Close() }
