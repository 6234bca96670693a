package usage

import (
	"encoding/json"
	"testing"
)

// FuzzDayCell: a stored venue day reads back as written, and anything
// else is refused with an error, never a panic.
func FuzzDayCell(f *testing.F) {
	for _, s := range []string{"[1,2,3,4,5,6,7,8,9]", "[0,0,0,0,0,0,0,0,0]", "[-1,2,3,4,5,6,7,8,9]", "[1,2]", "{}", "[]",
		"[1,2,3,4,5,6,7,8,99999999999999999999]", "[ 1, 2,3,4,5,6,7,8,9 ]", `"x"`, "[1,2,3,4,5,6,7,8,9,10]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var c dayCell
		if err := json.Unmarshal([]byte(s), &c); err != nil {
			return
		}
		raw, err := json.Marshal(&c)
		if err != nil {
			t.Fatal(err)
		}
		var back dayCell
		if err := json.Unmarshal(raw, &back); err != nil || back != c {
			t.Fatalf("%q: %+v wrote %s, read back %+v (%v)", s, c, raw, back, err)
		}
	})
}
