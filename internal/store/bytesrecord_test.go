package store

import (
	"bytes"
	"encoding/json"
	"testing"
)

// FuzzBytesRecord: the fast paths read and write []byte records exactly as
// encoding/json does, and accept nothing it would refuse.
func FuzzBytesRecord(f *testing.F) {
	for _, s := range []string{"", "a", "\x00\xff\x10", `"QUJD"`, `"QU JD"`, `"QUJ\nD"`, `"QUJ\/D"`, `null`, `"QUJD`, `"QQ=="`, `"QQ"`, `"Q===="`, "\"QU\x01JD\""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := encodeRecord(b)
		want, _ := json.Marshal(b)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("encodeRecord(%q) = %s, %v; json.Marshal %s", b, got, err, want)
		}
		var fast, slow []byte
		if decodeBytes(b, &fast) {
			if err := json.Unmarshal(b, &slow); err != nil || !bytes.Equal(fast, slow) {
				t.Fatalf("decodeBytes(%q) = %q; encoding/json %q, %v", b, fast, slow, err)
			}
		}
		var back []byte
		if b != nil && !decodeBytes(got, &back) || !bytes.Equal(back, b) {
			t.Fatalf("round trip of %q: %q", b, back)
		}
	})
}
