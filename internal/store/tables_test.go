package store

import (
	"math/big"
	"strings"
	"testing"
	"time"
)

func TestTableValues(t *testing.T) {
	tbl := Table{Bucket: Allowances, Prefixes: []string{"portal/"}, Columns: []Column{
		{Name: "mac", Type: Text, KeyPart: 2},
		{Name: "day", Type: Date, KeyPart: 3},
		{Name: "used", Type: Bigint, Field: "used"},
		{Name: "octets", Type: Numeric, Field: "octets"},
		{Name: "at", Type: Time, Field: "at"},
		{Name: "passes", Type: JSONB, Field: "passes"},
	}}
	got, err := tbl.Values([]byte("portal/02:00:00:00:00:01/2026-12-03"),
		[]byte(`{"used":2,"octets":18446744073709551615,"at":"0001-01-01T00:00:00Z","passes":["a"]}`))
	if err != nil {
		t.Fatal(err)
	}
	max, _ := new(big.Int).SetString("18446744073709551615", 10)
	if got[0] != "02:00:00:00:00:01" || !got[1].(time.Time).Equal(time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)) ||
		got[2] != int64(2) || got[3].(*big.Int).Cmp(max) != 0 || got[4] != nil || got[5] != `["a"]` {
		t.Errorf("values %#v", got)
	}
	if got, err := tbl.Values([]byte("other"), []byte("1")); err != nil || got[0] != nil {
		t.Errorf("a key outside the prefixes: %v %v", got, err)
	}
	for _, tc := range []struct{ name, value, want string }{
		{"not an object", `1`, "columns"},
		{"negative counter", `{"octets":-1}`, "column octets"},
		{"bad time", `{"at":"noon"}`, "column at"},
		{"text for a number", `{"used":"2"}`, "column used"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := tbl.Values([]byte("portal/m/2026-12-03"), []byte(tc.value)); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err %v, want %q", err, tc.want)
			}
		})
	}
}
