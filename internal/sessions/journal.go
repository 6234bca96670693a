package sessions

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
)

// The accounting journal makes an Accounting-Response cheap to make
// durable: a group of packets becomes one record appended to a file and
// one fdatasync, instead of a bbolt commit (page writes, fdatasync, meta
// page, fdatasync) in the answer's path. The records are applied to bbolt
// afterwards, in larger batches, by normal synced commits; each batch
// stores the last record it applied, so on start-up the records after it
// are applied again (replay) and the journal is emptied.
//
// A record is what the batch writes, not the packets: absolute session
// records and index keys, computed by the committer before the record is
// written. Applying a record twice therefore changes nothing.
//
// Record layout: 4-byte length of the body, 4-byte CRC-32C of the body,
// then the body: 8-byte sequence number, a uvarint count of operations,
// and each operation as kind byte (0 put, 1 delete), uvarint key length,
// key, and for a put a uvarint value length and the JSON value. A record
// cut short by a crash fails its length or CRC check; it was never
// acknowledged, and replay stops there.

// op is one write to the sessions bucket.
type op struct {
	del bool
	key string
	val []byte // JSON; nil for a delete
}

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// maxRecord bounds a record's body; a larger length field is corruption.
const maxRecord = 64 << 20

// journal is the append-only file. Only the committer writes it.
type journal struct {
	f    *os.File
	size int64
	buf  []byte
}

// record is one replayed record.
type record struct {
	seq uint64
	ops []op
}

// openJournal opens (or creates) the journal at path and returns the
// intact records it holds, in order.
func openJournal(path string) (*journal, []record, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("sessions: journal: %w", err)
	}
	data, err := io.ReadAll(f)
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("sessions: journal: %w", err)
	}
	recs, _ := decodeRecords(data)
	return &journal{f: f, size: int64(len(data))}, recs, nil
}

// decodeRecords returns the intact records at the start of data and an
// error naming why it stopped early, if it did.
func decodeRecords(data []byte) ([]record, error) {
	var recs []record
	for len(data) > 0 {
		if len(data) < 8 {
			return recs, errors.New("sessions: journal: truncated record header")
		}
		n := binary.BigEndian.Uint32(data[:4])
		if n > maxRecord || int(n) > len(data)-8 {
			return recs, fmt.Errorf("sessions: journal: record length %d is beyond the file", n)
		}
		body := data[8 : 8+n]
		if crc32.Checksum(body, crcTable) != binary.BigEndian.Uint32(data[4:8]) {
			return recs, errors.New("sessions: journal: record checksum mismatch")
		}
		r, err := decodeBody(body)
		if err != nil {
			return recs, err
		}
		recs = append(recs, r)
		data = data[8+n:]
	}
	return recs, nil
}

func decodeBody(b []byte) (record, error) {
	bad := errors.New("sessions: journal: malformed record body")
	if len(b) < 8 {
		return record{}, bad
	}
	r := record{seq: binary.BigEndian.Uint64(b[:8])}
	b = b[8:]
	count, k := binary.Uvarint(b)
	if k <= 0 || count > uint64(len(b)) {
		return record{}, bad
	}
	b = b[k:]
	field := func() ([]byte, bool) {
		l, k := binary.Uvarint(b)
		if k <= 0 || l > uint64(len(b)-k) {
			return nil, false
		}
		v := b[k : k+int(l)]
		b = b[k+int(l):]
		return v, true
	}
	for range count {
		if len(b) < 1 {
			return record{}, bad
		}
		o := op{del: b[0] == 1}
		b = b[1:]
		key, ok := field()
		if !ok {
			return record{}, bad
		}
		o.key = string(key)
		if !o.del {
			val, ok := field()
			if !ok {
				return record{}, bad
			}
			o.val = append([]byte(nil), val...)
		}
		r.ops = append(r.ops, o)
	}
	if len(b) != 0 {
		return record{}, bad
	}
	return r, nil
}

// appendRecord writes one record and waits for it to reach the disk.
func (j *journal) appendRecord(seq uint64, ops []op) error {
	b := append(j.buf[:0], 0, 0, 0, 0, 0, 0, 0, 0)
	b = binary.BigEndian.AppendUint64(b, seq)
	b = binary.AppendUvarint(b, uint64(len(ops)))
	for _, o := range ops {
		if o.del {
			b = append(b, 1)
		} else {
			b = append(b, 0)
		}
		b = binary.AppendUvarint(b, uint64(len(o.key)))
		b = append(b, o.key...)
		if !o.del {
			b = binary.AppendUvarint(b, uint64(len(o.val)))
			b = append(b, o.val...)
		}
	}
	binary.BigEndian.PutUint32(b[0:4], uint32(len(b)-8))
	binary.BigEndian.PutUint32(b[4:8], crc32.Checksum(b[8:], crcTable))
	j.buf = b
	if _, err := j.f.WriteAt(b, j.size); err != nil {
		return fmt.Errorf("sessions: journal: %w", err)
	}
	j.size += int64(len(b))
	if err := fdatasync(j.f); err != nil {
		return fmt.Errorf("sessions: journal: sync: %w", err)
	}
	return nil
}

// reset empties the journal once every record in it is in bbolt.
func (j *journal) reset() error {
	if err := j.f.Truncate(0); err != nil {
		return fmt.Errorf("sessions: journal: %w", err)
	}
	j.size = 0
	if err := j.f.Sync(); err != nil {
		return fmt.Errorf("sessions: journal: sync: %w", err)
	}
	return nil
}
