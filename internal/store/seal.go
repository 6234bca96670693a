package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"hash/crc32"
)

// bbolt keeps no checksum of what it stores: a flipped bit in a record's
// value, or in its key, is read back as a different record, or as the same
// one under another key. The bbolt backend therefore seals each value it
// writes: sealMark, then a CRC-32C of key and value (little-endian), then
// the value. Reading, it opens a sealed value whose checksum holds and
// passes any other value on as stored: a record written before seals (it
// begins with JSON, never 0xC1) is read as before, and a sealed one whose
// checksum fails still begins with sealMark, which no JSON decoder takes,
// so every reader sees it as a damaged record (errChecksum says why).
// PostgreSQL checks its own pages; its values are not sealed.
const (
	sealMark = 0xC1 // not a byte that can begin UTF-8 text, so not JSON
	sealSize = 5
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// errChecksum is why a sealed value that fails its checksum is damaged.
var errChecksum = errors.New("checksum mismatch (the record's bytes or its key changed on disk)")

func sealSum(key, value []byte) uint32 {
	return crc32.Update(crc32.Checksum(key, castagnoli), castagnoli, value)
}

// seal returns value sealed under key.
func seal(key, value []byte) []byte {
	out := make([]byte, sealSize, sealSize+len(value))
	out[0] = sealMark
	binary.LittleEndian.PutUint32(out[1:], sealSum(key, value))
	return append(out, value...)
}

// unseal returns the value in stored, or stored itself when it is not
// sealed or its checksum fails (see above).
func unseal(key, stored []byte) []byte {
	if len(stored) < sealSize || stored[0] != sealMark {
		return stored
	}
	if v := stored[sealSize:]; sealSum(key, v) == binary.LittleEndian.Uint32(stored[1:]) {
		return v
	}
	return stored
}

// Unseal returns the record in a value as the bbolt backend stored it,
// for tools that read the file with bbolt directly (a sealed value whose
// checksum fails comes back as stored, and does not decode).
func Unseal(key, stored []byte) []byte { return unseal(key, stored) }

// decodeErr says why raw did not decode: errChecksum for a sealed value
// whose checksum failed, else the decoder's error.
func decodeErr(raw []byte, err error) error {
	if len(raw) > 0 && raw[0] == sealMark {
		return errChecksum
	}
	return err
}

// validRecord reports why raw is not a record (nil if it is one).
func validRecord(raw []byte) error {
	if json.Valid(raw) {
		return nil
	}
	return decodeErr(raw, errors.New("not valid JSON"))
}
