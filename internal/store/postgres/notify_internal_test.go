package postgres

import (
	"slices"
	"strings"
	"testing"

	"github.com/wifihk/wifihk/internal/store"
)

// Any keys survive the notification encoding, and every notification
// stays under PostgreSQL's 8000-byte payload limit.
func TestPayloadRoundTrip(t *testing.T) {
	keys := []string{"a", "a b", "%", "%41", "\x00", "\xff\xfe", "网", strings.Repeat("z", 3000), "*"}
	for i := range 500 {
		keys = append(keys, strings.Repeat("k", i%50)+"\x00"+string(rune(i)))
	}
	var got []string
	for _, p := range payloads("origin1", store.Change{Bucket: "sessions", Keys: keys}) {
		if len(p) >= 8000 {
			t.Fatalf("payload of %d bytes", len(p))
		}
		o, c, err := parsePayload(p)
		if err != nil || o != "origin1" || c.Bucket != "sessions" || c.All {
			t.Fatalf("%q: %v %q %+v", p[:40], err, o, c)
		}
		got = append(got, c.Keys...)
	}
	if !slices.Equal(got, keys) {
		t.Errorf("keys changed on the way")
	}
	// A key too long for a notification (escaped, 3 bytes a byte) makes
	// the change "reload all" rather than a payload PostgreSQL refuses.
	long := payloads("o", store.Change{Bucket: "nas", Keys: []string{"a", strings.Repeat("\x00", 3000)}})
	if _, c, err := parsePayload(long[0]); len(long) != 1 || err != nil || !c.All {
		t.Errorf("long key: %d payloads, %+v %v", len(long), c, err)
	}
	ps := payloads("o", store.Change{Bucket: "nas", All: true})
	if _, c, err := parsePayload(ps[0]); len(ps) != 1 || err != nil || !c.All || c.Bucket != "nas" {
		t.Errorf("all: %q %+v %v", ps, c, err)
	}
}

func TestParsePayloadRejects(t *testing.T) {
	for _, p := range []string{"", "v1", "v1 o b", "v2 o b k", "v1  b k", "v1 o  k", "v1 o b %", "v1 o b %4", "v1 o b %zz", "v1 o b a  c"} {
		if _, _, err := parsePayload(p); err == nil || !strings.Contains(err.Error(), "malformed notification") {
			t.Errorf("%q: %v", p, err)
		}
	}
}

// A notification comes from the database, which anyone with write access
// to it can NOTIFY on: parsing never panics, and what parses encodes back
// to the same change.
func FuzzParsePayload(f *testing.F) {
	f.Add("v1 o b k1 k%002")
	f.Add("v1 o b *")
	f.Add("v1 o b %")
	f.Fuzz(func(t *testing.T, p string) {
		o, c, err := parsePayload(p)
		if err != nil {
			return
		}
		again := payloads(o, c)
		if len(again) != 1 {
			return // long: cut differently
		}
		o2, c2, err := parsePayload(again[0])
		if err != nil || o2 != o || c2.Bucket != c.Bucket || c2.All != c.All || !slices.Equal(c2.Keys, c.Keys) {
			t.Fatalf("%q -> %q: %v", p, again[0], err)
		}
	})
}
