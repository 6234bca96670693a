package accounting

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/wifihk/wifihk/internal/journal"
)

// The accounting journal (internal/journal) makes an Accounting-Response
// cheap to make durable: a group of packets becomes one record appended
// to a file and one fdatasync, instead of a bbolt commit in the answer's
// path. The records are applied to bbolt afterwards, in larger batches,
// by normal synced commits; each batch stores the last record it applied,
// so on start-up the records after it are applied again (replay) and the
// journal is emptied.
//
// A record is what the batch writes, not the packets: absolute session
// records and index keys, computed by the committer before the record is
// written. Applying a record twice therefore changes nothing.
//
// Record body (after the journal's length, checksum and sequence number):
// a uvarint count of operations, and each operation as kind byte (0 put,
// 1 delete), uvarint key length, key, and for a put a uvarint value
// length and the JSON value.

// op is one write to the sessions bucket.
type op struct {
	del bool
	key string
	val []byte // JSON; nil for a delete
}

// record is one journal record, decoded.
type record struct {
	seq uint64
	ops []op
}

// decodeRecords decodes the journal's records. A body that does not
// decode (which its checksum makes a bug, not a crash) ends them, as a
// torn record does.
func decodeRecords(recs []journal.Record) ([]record, error) {
	out := make([]record, 0, len(recs))
	for _, r := range recs {
		ops, err := decodeOps(r.Body)
		if err != nil {
			return out, fmt.Errorf("%w (record %d)", err, r.Seq)
		}
		out = append(out, record{seq: r.Seq, ops: ops})
	}
	return out, nil
}

var errMalformed = errors.New("sessions: journal: malformed record body")

func decodeOps(b []byte) ([]op, error) {
	count, k := binary.Uvarint(b)
	if k <= 0 || count > uint64(len(b)) {
		return nil, errMalformed
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
	ops := make([]op, 0, count)
	for range count {
		if len(b) < 1 {
			return nil, errMalformed
		}
		o := op{del: b[0] == 1}
		b = b[1:]
		key, ok := field()
		if !ok {
			return nil, errMalformed
		}
		o.key = string(key)
		if !o.del {
			val, ok := field()
			if !ok {
				return nil, errMalformed
			}
			o.val = append([]byte(nil), val...)
		}
		ops = append(ops, o)
	}
	if len(b) != 0 {
		return nil, errMalformed
	}
	return ops, nil
}

// appendOps appends ops' encoding (a record body) to b.
func appendOps(b []byte, ops []op) []byte {
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
	return b
}
