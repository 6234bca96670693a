package store

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
)

// Records that are bytes ([]byte values: sketches, packed blocks) are JSON
// strings of standard base64, as encoding/json writes them. These two read
// and write that form without reflection, which a flush of many sketches
// otherwise spends most of its encoding time in; anything unusual (null,
// escapes, bad base64) goes through encoding/json as before.

// decodeBytes decodes raw into *v when v is a *[]byte and raw is a plain
// base64 string; ok false leaves it to encoding/json.
func decodeBytes(raw []byte, v any) (ok bool) {
	p, isBytes := v.(*[]byte)
	if !isBytes || len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return false
	}
	s := raw[1 : len(raw)-1]
	if bytes.ContainsAny(s, "\\\r\n") { // escapes; line breaks base64 would skip but JSON refuses
		return false
	}
	out := make([]byte, base64.StdEncoding.DecodedLen(len(s)))
	n, err := base64.StdEncoding.Decode(out, s)
	if err != nil {
		return false
	}
	*p = out[:n]
	return true
}

// encodeRecord is json.Marshal(v), with a []byte written directly.
func encodeRecord(v any) ([]byte, error) {
	b, isBytes := v.([]byte)
	if !isBytes || b == nil {
		return json.Marshal(v)
	}
	out := make([]byte, base64.StdEncoding.EncodedLen(len(b))+2)
	out[0], out[len(out)-1] = '"', '"'
	base64.StdEncoding.Encode(out[1:], b)
	return out, nil
}
