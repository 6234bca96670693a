package usage

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// FuzzOrgDay: an organisation's block reads back as written, and
// anything else is refused with an error, never a panic.
func FuzzOrgDay(f *testing.F) {
	good := encodeOrgDay([]venueFigures{{"/A1", Cell{Sessions: 3, Devices: 2, BytesUp: -5, Peak: 1}}, {"/B2", Cell{ClientsMax: 1 << 62}}})
	for _, b := range [][]byte{good, good[:len(good)-1], append(good, 0), {}, {1}, {2, 0}, {1, 0}, {1, 200, 1},
		encodeOrgDay([]venueFigures{{"/B", Cell{}}, {"/A", Cell{}}}), encodeOrgDay([]venueFigures{{"/A", Cell{}}, {"/A", Cell{}}})} {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		vs, err := decodeOrgDay(b)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "usage: organisation's days: ") {
				t.Fatalf("error %q without the package's prefix", err)
			}
			return
		}
		raw, _ := json.Marshal(encodeOrgDay(vs))
		back, err := unquoteOrgDay(raw, nil)
		if err != nil {
			t.Fatal(err)
		}
		again, err := decodeOrgDay(back)
		if err != nil || len(again) != len(vs) {
			t.Fatalf("%x read back as %+v (%v), was %+v", b, again, err, vs)
		}
		for i := range vs {
			if again[i] != vs[i] {
				t.Fatalf("venue %d: %+v, was %+v", i, again[i], vs[i])
			}
		}
	})
}

// TestUnquoteOrgDayRefusesJunk: a stored block that is not a JSON
// string of base64 is an error.
func TestUnquoteOrgDayRefusesJunk(t *testing.T) {
	for _, raw := range []string{``, `"`, `[1,2]`, `"!!!!"`, `"AQ"x`} {
		if _, err := unquoteOrgDay([]byte(raw), nil); err == nil {
			t.Errorf("%q: no error", raw)
		}
	}
}

// cover takes whole months and weeks where they fit in the range and
// start on or after the first stored day, days elsewhere.
func TestCover(t *testing.T) {
	day := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 0, 0, 0, 0, HongKong) }
	for _, c := range []struct {
		name            string
		first, last, at time.Time
		want            string
	}{
		{"one day", day(11, 4), day(11, 4), day(1, 1), "d2026-11-04"},
		{"a month", day(11, 1), day(11, 30), day(1, 1), "m2026-11-01"},
		{"28 days", day(11, 3), day(11, 30), day(1, 1), "d2026-11-03 d2026-11-04 d2026-11-05 d2026-11-06 d2026-11-07 d2026-11-08 w2026-11-09 w2026-11-16 w2026-11-23 d2026-11-30"},
		{"a week from Monday", day(11, 9), day(11, 15), day(1, 1), "w2026-11-09"},
		{"28 days from Wednesday", day(11, 4), day(12, 1), day(1, 1),
			"d2026-11-04 d2026-11-05 d2026-11-06 d2026-11-07 d2026-11-08 w2026-11-09 w2026-11-16 w2026-11-23 d2026-11-30 d2026-12-01"},
		{"91 days", day(9, 1), day(11, 30), day(1, 1), "m2026-09-01 m2026-10-01 m2026-11-01"},
		{"purged month start", day(11, 1), day(11, 30), day(11, 10),
			"d2026-11-01 d2026-11-02 d2026-11-03 d2026-11-04 d2026-11-05 d2026-11-06 d2026-11-07 d2026-11-08 d2026-11-09 " +
				"d2026-11-10 d2026-11-11 d2026-11-12 d2026-11-13 d2026-11-14 d2026-11-15 w2026-11-16 w2026-11-23 d2026-11-30"},
	} {
		var got []string
		for _, b := range cover(c.first, c.last, c.at) {
			got = append(got, string(b.kind)+b.start.Format(dateLayout))
		}
		if g := strings.Join(got, " "); g != c.want {
			t.Errorf("%s: %s, want %s", c.name, g, c.want)
		}
	}
}
