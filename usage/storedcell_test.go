package usage

import (
	"encoding/json"
	"testing"
)

// FuzzStoredCell: a stored cell reads back as written, and anything
// else is refused with an error, never a panic; the old object form
// still reads.
func FuzzStoredCell(f *testing.F) {
	for _, s := range []string{"[1,2,3,4,5,6,7,8,9]", "[0,0,0,0,0,0,0,0,0]", "[-1,2,3,4,5,6,7,8,9]", "[1,2]", "{}", "[]",
		"[1,2,3,4,5,6,7,8,99999999999999999999]", "[ 1, 2,3,4,5,6,7,8,9 ]", `"x"`, "[1,2,3,4,5,6,7,8,9,10]",
		`{"sessions":3,"devices":2,"bytes_up":10,"bytes_down":20,"seconds":60,"peak":1}`, "[01,2,3,4,5,6,7,8,9]",
		"[9223372036854775807,-9223372036854775808,0,0,0,0,0,0,0]", "[9223372036854775808,0,0,0,0,0,0,0,0]", "[-,0,0,0,0,0,0,0,0]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var c storedCell
		if err := json.Unmarshal([]byte(s), &c); err != nil {
			return
		}
		raw, err := json.Marshal(&c)
		if err != nil {
			t.Fatal(err)
		}
		var back storedCell
		if err := json.Unmarshal(raw, &back); err != nil || back != c {
			t.Fatalf("%q: %+v wrote %s, read back %+v (%v)", s, c, raw, back, err)
		}
	})
}

// A cell stored as an object before the array form reads the same.
func TestStoredCellReadsTheObjectForm(t *testing.T) {
	want := Cell{Sessions: 3, Devices: 2, BytesUp: 10, BytesDown: 20, Seconds: 60, Peak: 1, APReports: 4, ClientsSum: 9, ClientsMax: 5}
	old, _ := json.Marshal(&want)
	var got storedCell
	if err := json.Unmarshal(old, &got); err != nil || Cell(got) != want {
		t.Fatalf("%s: %+v, %v", old, got, err)
	}
	now, _ := json.Marshal((*storedCell)(&want))
	if len(now) >= len(old)/2 || string(now) != "[3,2,10,20,60,1,4,9,5]" {
		t.Errorf("stored as %s (the object was %d bytes)", now, len(old))
	}
}
